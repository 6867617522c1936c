// The compensating state of a saga (and of a cancelled run): undoes the
// newest stack record above the owner's base, records it as ran or failed
// (a failure is logged and the rest still run), pops it and goes on, newest
// first, until the stack is back at the base. One compensation at a time:
//   $next   decides from the newest record: done, a plain step, or a flow
//   $step   a plain-step compensation (a function given to compensate())
//           runs in the machine's executor, like any step
//   $child  any other compensation flow runs as a child machine, spawned by name
import { assign, enqueueActions } from "xstate";
import { withKey, type RunContext, type StackRecord } from "./context.js";
import { doneEventOf, errorEventOf, type Dispatchable } from "./executor.js";
import type { MachineParts } from "./machine-parts.js";
import { servicesOf } from "./services.js";
import { DISPATCH, registerDispatchActions, WITHDRAW } from "./step.js";
import type { ChildInput, ChildOutput } from "./workflow.js";

const DONE = "compensated";
const NEXT = "$next";
const STEP = "$step";
const CHILD = "$child";

/** The key of `counters` holding the stack depth when `owner` was entered. */
export function baseKey(owner: string): string {
  return `${owner}#base`;
}

/**
 * The config of a compound state (at state path `statePath`) that compensates
 * the records above `owner`'s base, then goes to `next` (an absolute target).
 */
export function compensatingState(parts: MachineParts, owner: string, statePath: string, display: string, next: string): object {
  // Compiled after the flows it compensates: when none of them can leave a
  // record, the state only passes through (and diagrams stay small).
  const bySteps = parts.undoSteps.size > 0;
  const byChildren = parts.compensations.size > 0;
  if (!bySteps && !byChildren) return { always: { target: next, description: "nothing to compensate" } };
  registerDispatchActions(parts);
  const decision = `${owner}#undo`;
  const childPrefix = `${owner}.$undo`;
  const top = (context: RunContext): StackRecord | undefined => {
    const base = context.counters[baseKey(owner)] ?? 0;
    return context.stack.length > base ? context.stack[context.stack.length - 1] : undefined;
  };

  const runner: Dispatchable = {
    key: `${statePath}.${STEP}`,
    path: display,
    lane: 0,
    doneEvent: doneEventOf(`${statePath}.${STEP}`),
    errorEvent: errorEventOf(`${statePath}.${STEP}`),
    execute: () => undefined,
    prepare: (context) => {
      const record = top(context)!;
      const step = parts.undoSteps.get(record.undo)!;
      return { input: record.output, path: `${record.path}.${step.name}`, execute: step.execute };
    },
  };
  if (bySteps) parts.addDispatchable(runner);

  const decide = parts.action(`stepchart.compensate.next ${owner}`, () =>
    enqueueActions(({ context, enqueue }: { context: RunContext; enqueue: any }) => {
      const record = top(context);
      if (!record) return enqueue.assign({ sel: withKey(context.sel, decision, DONE) });
      if (parts.undoSteps.has(record.undo)) return enqueue.assign({ sel: withKey(context.sel, decision, "step") });
      const input: ChildInput = { runId: context.runId, prefix: record.path, input: record.output };
      enqueue.spawnChild(record.undo, { id: `${childPrefix}.${context.stack.length - 1}`, input });
      enqueue.assign({ sel: withKey(context.sel, decision, "child") });
    }),
  );

  /** Pops the newest record as ran or failed. */
  const settled = (context: RunContext, self: any, ok: boolean, error: unknown): Partial<RunContext> => {
    const record = context.stack[context.stack.length - 1]!;
    if (!ok) {
      servicesOf(self).log({
        level: "error",
        message: `The compensation of "${record.path}" failed; the remaining compensations still run`,
        runId: context.runId,
        path: record.path,
        fields: { error },
      });
    }
    const { ran, failed } = context.compensation;
    return {
      stack: context.stack.slice(0, -1),
      compensation: ok ? { ran: [...ran, record.path], failed } : { ran, failed: [...failed, record.path] },
    };
  };
  const stepDone = parts.action(`stepchart.compensate.stepDone ${owner}`, () =>
    assign(({ context, self }: { context: RunContext; self: any }) => settled(context, self, true, undefined)),
  );
  const stepFailed = parts.action(`stepchart.compensate.stepFailed ${owner}`, () =>
    assign(({ context, event, self }: { context: RunContext; event: any; self: any }) => settled(context, self, false, event.error)),
  );
  const childSettled = parts.action(`stepchart.compensate.childSettled ${owner}`, () =>
    enqueueActions(({ context, event, enqueue, self }: { context: RunContext; event: any; enqueue: any; self: any }) => {
      const index = Number(event.type.slice(event.type.lastIndexOf(".") + 1));
      if (index !== context.stack.length - 1) return; // not the compensation we are waiting for
      const out = event.type.startsWith("xstate.done.") ? (event.output as ChildOutput) : undefined;
      enqueue.assign(settled(context, self, out?.ok === true, out && !out.ok ? out.error.error : event.error));
      enqueue.stopChild(`${childPrefix}.${index}`);
    }),
  );
  const is = (value: string) => parts.guard(`${display}: compensation ${value === DONE ? "finished" : `by ${value}`}`, ({ context }) => context.sel[decision] === value);

  const stepState = {
    entry: { type: DISPATCH, params: { key: runner.key } },
    exit: { type: WITHDRAW, params: { key: runner.key } },
    on: {
      [runner.doneEvent]: { target: NEXT, actions: stepDone },
      [runner.errorEvent]: { target: NEXT, actions: stepFailed },
    },
    meta: { stepchart: { dispatch: runner.key } },
  };
  const childState = {
    on: {
      [`xstate.done.actor.${childPrefix}.*`]: { target: NEXT, actions: childSettled, description: "compensation finished" },
      [`xstate.error.actor.${childPrefix}.*`]: { target: NEXT, actions: childSettled, description: "compensation crashed" },
    },
  };

  return {
    initial: NEXT,
    tags: ["stepchart.compensating"],
    meta: { stepchart: { compensating: owner } },
    states: {
      [NEXT]: {
        entry: decide,
        always: [
          ...(bySteps ? [{ guard: is("step"), target: STEP }] : []),
          ...(byChildren ? [{ guard: is("child"), target: CHILD }] : []),
          { target: next, description: "every completed step compensated, newest first" },
        ],
      },
      ...(bySteps ? { [STEP]: stepState } : {}),
      ...(byChildren ? { [CHILD]: childState } : {}),
    },
  };
}
