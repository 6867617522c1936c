// timeout -> a compound state with a durable timer invoked beside the flow:
// when the timer fires first, the state is left (every step inside is
// withdrawn, its AbortSignal fires) and the failure is a TransientError with
// code `timeout`. When the flow finishes first, leaving stops the timer.
import { assign } from "xstate";
import type { TimeoutNode } from "../dsl/flow.js";
import { TransientError } from "../errors.js";
import { failure, fullPath, withFailure, type RunContext } from "./context.js";
import { compileFlow } from "./flow.js";
import { childScope, type Scope } from "./machine-parts.js";
import { RUN } from "./retry.js";
import { DONE } from "./sequence.js";
import { invokeTimer, registerTimer, SET_DEADLINE } from "./timer.js";

export function compileTimeout(node: TimeoutNode, scope: Scope, next: string) {
  const { parts, path, display } = scope;
  registerTimer(parts);
  const timedOut = parts.action(`stepchart.timedOut ${path}`, () =>
    assign(({ context }: { context: RunContext }): Partial<RunContext> =>
      withFailure(context, scope.slot, failure(context, display, TransientError.timeout(`"${fullPath(context, display)}"`, node.timeoutMs))),
    ),
  );
  return {
    initial: RUN,
    entry: { type: SET_DEADLINE, params: { key: path, delayMs: node.timeoutMs } },
    invoke: invokeTimer(path, { target: scope.onError, actions: timedOut }),
    meta: { stepchart: { timer: path } },
    states: {
      [RUN]: compileFlow(node.flow, childScope(scope, RUN), DONE),
      [DONE]: { type: "final" },
    },
    onDone: { target: next },
  };
}
