// sleep -> an atomic state that invokes the durable timer; its input passes on.
import type { SleepNode } from "../dsl/flow.js";
import type { Scope } from "./machine-parts.js";
import { invokeTimer, registerTimer, SET_DEADLINE } from "./timer.js";
import { WAITING_TAG } from "./wait-for.js";

export function compileSleep(node: SleepNode, scope: Scope, next: string) {
  registerTimer(scope.parts);
  return {
    entry: { type: SET_DEADLINE, params: { key: scope.path, delayMs: node.durationMs } },
    invoke: invokeTimer(scope.path, { target: next }),
    tags: [WAITING_TAG],
    meta: { stepchart: { timer: scope.path, sleepMs: node.durationMs } },
  };
}
