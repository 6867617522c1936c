// A workflow used inside another -> an atomic state invoking the child's
// machine (compiled once, registered by name, so it persists). Its output is
// the step's output; its failure is the step's failure with its own path; the
// records it left on its stack join the parent's (renamed under this state's
// path, whose compensations the parent registers), and its compensation
// report joins the parent's.
import { assign } from "xstate";
import type { WorkflowNode } from "../dsl/flow.js";
import { LogicError, toStepchartError } from "../errors.js";
import { compileChild } from "./compile.js";
import { failure, fullPath, withFailure, withLane, type RunContext, type StackRecord } from "./context.js";
import type { Scope } from "./machine-parts.js";
import type { ChildInput, ChildOutput } from "./workflow.js";

/** The stack records and compensation report a child hands back, merged into `context`. */
export function adoptChildOutcome(context: RunContext, owner: string, out: ChildOutput): Pick<RunContext, "stack" | "compensation"> {
  const records = out.stack.map((r) => ({ ...r, undo: `${owner}/${r.undo}` }));
  return {
    stack: records.length > 0 ? [...context.stack, ...records] : context.stack,
    compensation:
      out.compensation.ran.length + out.compensation.failed.length > 0
        ? { ran: [...context.compensation.ran, ...out.compensation.ran], failed: [...context.compensation.failed, ...out.compensation.failed] }
        : context.compensation,
  };
}

export function compileChildWorkflow(node: WorkflowNode, scope: Scope, next: string) {
  const { parts, path } = scope;
  const child = compileChild(node);
  const src = parts.actor(`stepchart.workflow ${path}`, () => child);
  parts.adoptCompensations(path, child);
  return invokeChild(node.name, src, scope, next);
}

/** How a child is invoked besides its machine: where its input is read, and whether stack records with unknown compensations are dropped. */
export interface ChildInvokeOptions {
  /** @default the scope's lane */
  inputLane?: number;
  /** Keep only the child's stack records whose compensation this machine registered (a recursive `call`). @default false */
  knownOnly?: boolean;
}

/**
 * The state invoking the child machine registered as `src` (a workflow used
 * as a step, or `call`): its output or failure becomes this state's, its
 * stack records and compensation report join the parent's.
 */
export function invokeChild(childName: string, src: string, scope: Scope, next: string, options: ChildInvokeOptions = {}) {
  const { parts, path, display, lane } = scope;
  const inputLane = options.inputLane ?? lane;
  const known = (r: StackRecord) => parts.compensations.has(`${path}/${r.undo}`) || parts.undoSteps.has(`${path}/${r.undo}`);

  const returned = parts.action(`stepchart.child.returned ${path}`, () =>
    assign(({ context, event }: { context: RunContext; event: any }): Partial<RunContext> => {
      let out = event.output as ChildOutput;
      if (options.knownOnly) out = { ...out, stack: out.stack.filter(known) };
      const adopted = adoptChildOutcome(context, path, out);
      return out.ok ? { ...adopted, v: withLane(context.v, lane, out.value) } : { ...adopted, ...withFailure(context, scope.slot, out.error) };
    }),
  );
  const crashed = parts.action(`stepchart.child.crashed ${path}`, () =>
    assign(({ context, event }: { context: RunContext; event: any }): Partial<RunContext> =>
      withFailure(
        context,
        scope.slot,
        failure(
          context,
          display,
          new LogicError(`Child workflow "${childName}" at "${fullPath(context, display)}" stopped with an internal error`, {
            code: "internal_error",
            cause: toStepchartError(event.error),
          }),
        ),
      ),
    ),
  );
  const succeeded = parts.guard(`${display}: child succeeded`, ({ event }) => (event.output as ChildOutput).ok);
  return {
    invoke: {
      src,
      input: ({ context }: { context: RunContext }): ChildInput => ({
        runId: context.runId,
        prefix: fullPath(context, display),
        input: context.v[inputLane],
      }),
      onDone: [
        { guard: succeeded, target: next, actions: returned },
        { target: scope.onError, actions: returned, description: "child failed" },
      ],
      onError: { target: scope.onError, actions: crashed },
    },
    meta: { stepchart: { child: childName } },
  };
}
