// cancelOn -> a compound state: `$run` holds the flow (on its own lane, so the
// input survives a withdrawal) and takes the event, which leaves `$run`:
// every step inside is withdrawn by its state's exit (AbortSignal), map items
// and child workflows are stopped with their states. Then the `onCancel` flow
// runs with the input, or the input passes on; `$ok` hands the flow's output on.
// `$run` carries a wait in its meta, so the runtime accepts the event exactly
// while the flow runs.
import { assign } from "xstate";
import type { CancelOnNode } from "../dsl/flow.js";
import { withLane, type RunContext } from "./context.js";
import { compileFlow } from "./flow.js";
import { childScope, type Scope } from "./machine-parts.js";
import { RUN } from "./retry.js";
import { DONE } from "./sequence.js";

const OK = "$ok";
const CANCELLED = "$cancelled";

type StateConfig = { on?: Record<string, unknown>; meta?: { stepchart?: Record<string, unknown> } };

export function compileCancelOn(node: CancelOnNode, scope: Scope, next: string) {
  const { parts, path, display, lane } = scope;
  const inner = parts.newLane();
  const waitKey = `${path}.${RUN}`;
  parts.waits.set(waitKey, { event: node.event, path: display });

  const fork = parts.action(`stepchart.cancelOn.fork ${path}`, () =>
    assign(({ context }: { context: RunContext }): Partial<RunContext> => ({ v: withLane(context.v, inner, context.v[lane]) })),
  );
  const keep = parts.action(`stepchart.cancelOn.keep ${path}`, () =>
    assign(({ context }: { context: RunContext }): Partial<RunContext> => {
      const v = withLane(context.v, lane, context.v[inner]);
      v[inner] = null;
      return { v };
    }),
  );
  const cancelled = node.onCancel ? node.onCancel.name : CANCELLED;
  const run = compileFlow(node.flow, childScope(scope, RUN, { lane: inner }), OK) as StateConfig;
  const states: Record<string, object> = {
    [RUN]: {
      ...run,
      on: { ...run.on, [node.event]: { target: cancelled, description: node.event } },
      meta: { ...run.meta, stepchart: { ...run.meta?.stepchart, wait: { key: waitKey, event: node.event } } },
    },
    [OK]: { entry: keep, always: { target: DONE } },
    [cancelled]: node.onCancel ? compileFlow(node.onCancel, childScope(scope, node.onCancel.name), DONE) : { always: { target: DONE } },
    [DONE]: { type: "final" },
  };
  return { initial: RUN, entry: fork, states, onDone: { target: next } };
}
