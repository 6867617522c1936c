// The root of every compiled machine. Input validation happens in the context
// factory (a bad input goes straight to `$failed`, nothing runs); the flow sits
// under the root; `$output` validates the output; `$done` and `$failed` are
// the two final states.
// Two modes: a run's machine outputs the workflow's output (undefined when it
// failed; `context.errors[""]` says why). A child machine (a map item, a child
// workflow) takes `{ runId, prefix, input }` and outputs `{ ok, value | error }`
// so that its parent can tell failure from success.
import { assign } from "xstate";
import type { FlowNode, WorkflowNode } from "../dsl/flow.js";
import type { CompensationReport } from "../errors.js";
import { emptyContext, failure, failureIn, MAIN_SLOT, withFailure, type Failure, type RunContext, type StackRecord } from "./context.js";
import { compileFlow } from "./flow.js";
import { compensatingState } from "./compensating.js";
import { MachineParts, type Scope } from "./machine-parts.js";
import { parseWith } from "./schema.js";

export const START = "$start";
export const OUTPUT = "$output";
export const SUCCEEDED = "$done";
export const FAILED = "$failed";
export const FAILED_TAG = "stepchart.failed";
export const CANCELLING = "$cancelling";
export const CANCELLED = "$cancelled";
export const CANCELLED_TAG = "stepchart.cancelled";
/** The event that cancels a run: compensate every completed compensable step, then end as cancelled. */
export const CANCEL_EVENT = "stepchart.cancel";
/** The owner key of the run-level compensation (cancel). */
export const RUN_OWNER = "$run";

export type RootMode = "run" | "child";

/** What a child machine is started with. */
export interface ChildInput {
  runId: string;
  prefix: string;
  input: unknown;
}

/** What a child machine ends with; the records left on its stack and its compensation report travel with it. */
export type ChildOutput = ({ ok: true; value: unknown } | { ok: false; error: Failure }) & {
  stack: StackRecord[];
  compensation: CompensationReport;
};

export interface RootConfig {
  config: Record<string, unknown>;
  parts: MachineParts;
}

export function compileRoot(wf: WorkflowNode, mode: RootMode): RootConfig {
  const parts = new MachineParts(wf.name);
  const flow: FlowNode = wf.flow;
  const hasFailed = parts.guard("stepchart.hasFailed", ({ context }) => failureIn(context, MAIN_SLOT) !== undefined);
  const scope: Scope = {
    parts,
    path: flow.name,
    display: flow.name,
    lane: 0,
    onError: parts.target(FAILED),
    slot: MAIN_SLOT,
    ...(wf.escalation ? { escalation: wf.escalation } : {}),
  };
  const states: Record<string, object> = {};

  if (wf.inputSchema) {
    states[START] = { always: [{ guard: hasFailed, target: FAILED, description: "input is invalid" }, { target: flow.name }] };
  }
  const flowState = compileFlow(flow, scope, wf.outputSchema ? OUTPUT : SUCCEEDED) as { on?: Record<string, unknown>; meta?: { stepchart?: object } };
  // Cancelling leaves the flow (withdrawing every running step) and compensates everything done so far.
  states[flow.name] = { ...flowState, on: { ...parts.whileRunning.on, ...flowState.on, [CANCEL_EVENT]: { target: `#${wf.name}.${CANCELLING}`, description: "cancel" } } };
  if (parts.whileRunning.buffers.length > 0) {
    // Buffered waits (mailbox.ts): the runtime accepts their events while the flow runs.
    states[flow.name] = { ...states[flow.name], meta: { ...flowState.meta, stepchart: { ...flowState.meta?.stepchart, accepts: parts.whileRunning.buffers } } };
  }
  if (wf.outputSchema) {
    const schema = wf.outputSchema;
    const checkOutput = parts.action("stepchart.checkOutput", () =>
      assign(({ context }: { context: RunContext }): Partial<RunContext> => {
        const parsed = parseWith(schema, context.v[0], `output of workflow "${wf.name}"`);
        if (!parsed.ok) return withFailure(context, MAIN_SLOT, failure(context, flow.name, parsed.error));
        const v = context.v.slice();
        v[0] = parsed.value;
        return { v };
      }),
    );
    states[OUTPUT] = { entry: checkOutput, always: [{ guard: hasFailed, target: FAILED, description: "output is invalid" }, { target: SUCCEEDED }] };
  }
  states[CANCELLING] = compensatingState(parts, RUN_OWNER, CANCELLING, "run", parts.target(CANCELLED));
  states[SUCCEEDED] = { type: "final" };
  states[FAILED] = { type: "final", tags: [FAILED_TAG] };
  states[CANCELLED] = { type: "final", tags: [CANCELLED_TAG] };

  const laneCount = () => parts.laneCount;
  const context = ({ input, self }: { input: unknown; self: { id: string } }): RunContext => {
    const child = mode === "child" ? (input as ChildInput) : undefined;
    const ctx = emptyContext(child ? child.runId : self.id, child ? child.prefix : "", laneCount());
    const value = child ? child.input : input;
    ctx.v[0] = value === undefined ? null : value;
    if (wf.inputSchema) {
      const parsed = parseWith(wf.inputSchema, value, `input of workflow "${wf.name}"`);
      if (parsed.ok) ctx.v[0] = parsed.value;
      else ctx.errors = withFailure(ctx, MAIN_SLOT, failure(ctx, wf.name, parsed.error)).errors;
    }
    return ctx;
  };
  const output =
    mode === "run"
      ? ({ context }: { context: RunContext }) => (failureIn(context, MAIN_SLOT) === undefined ? context.v[0] : undefined)
      : ({ context }: { context: RunContext }): ChildOutput => {
          const { stack, compensation } = context;
          const error = failureIn(context, MAIN_SLOT);
          return error === undefined ? { ok: true, value: context.v[0], stack, compensation } : { ok: false, error, stack, compensation };
        };
  const config = { id: wf.name, context, initial: wf.inputSchema ? START : flow.name, states, output };
  return { config, parts };
}
