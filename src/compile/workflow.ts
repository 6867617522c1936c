// The root of every compiled machine. Input validation happens in the context
// factory (a bad input goes straight to `$failed`, nothing runs); the flow sits
// under the root; `$output` validates the output; `$done` and `$failed` are
// the two final states. The machine's output is the workflow's output; a
// failed run's output is undefined and `context.error` says why.
import { assign } from "xstate";
import type { FlowNode, WorkflowNode } from "../dsl/flow.js";
import { failure, type RunContext } from "./context.js";
import { compileFlow } from "./flow.js";
import { MachineParts, type Scope } from "./machine-parts.js";
import { parseWith } from "./schema.js";

export const START = "$start";
export const OUTPUT = "$output";
export const SUCCEEDED = "$done";
export const FAILED = "$failed";
export const FAILED_TAG = "stepchart.failed";

export interface RootConfig {
  config: Record<string, unknown>;
  parts: MachineParts;
}

export function compileRoot(wf: WorkflowNode): RootConfig {
  const parts = new MachineParts(wf.name);
  const flow: FlowNode = wf.flow;
  const failedTarget = parts.target(FAILED);
  const hasFailed = parts.guard("stepchart.hasFailed", ({ context }) => context.error !== null);
  const scope: Scope = { parts, path: flow.name, lane: 0, onError: failedTarget };
  const states: Record<string, object> = {};

  if (wf.inputSchema) {
    states[START] = { always: [{ guard: hasFailed, target: FAILED, description: "input is invalid" }, { target: flow.name }] };
  }
  states[flow.name] = compileFlow(flow, scope, wf.outputSchema ? OUTPUT : SUCCEEDED);
  if (wf.outputSchema) {
    const schema = wf.outputSchema;
    const checkOutput = parts.action("stepchart.checkOutput", () =>
      assign(({ context }: { context: RunContext }): Partial<RunContext> => {
        const parsed = parseWith(schema, context.v[0], `output of workflow "${wf.name}"`);
        if (!parsed.ok) return { error: failure(flow.name, parsed.error) };
        const v = context.v.slice();
        v[0] = parsed.value;
        return { v };
      }),
    );
    states[OUTPUT] = { entry: checkOutput, always: [{ guard: hasFailed, target: FAILED, description: "output is invalid" }, { target: SUCCEEDED }] };
  }
  states[SUCCEEDED] = { type: "final" };
  states[FAILED] = { type: "final", tags: [FAILED_TAG] };

  const laneCount = () => parts.laneCount;
  const config = {
    id: wf.name,
    context: ({ input, self }: { input: unknown; self: { id: string } }): RunContext => {
      const v: unknown[] = new Array(laneCount()).fill(null);
      let error = null;
      if (wf.inputSchema) {
        const parsed = parseWith(wf.inputSchema, input, `input of workflow "${wf.name}"`);
        if (parsed.ok) v[0] = parsed.value;
        else {
          v[0] = input === undefined ? null : input;
          error = failure(wf.name, parsed.error);
        }
      } else {
        v[0] = input === undefined ? null : input;
      }
      return { runId: self.id, v, sel: {}, error };
    },
    initial: wf.inputSchema ? START : flow.name,
    states,
    output: ({ context }: { context: RunContext }) => (context.error === null ? context.v[0] : undefined),
  };
  return { config, parts };
}
