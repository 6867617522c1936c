// saga -> a compound state: the flows chained as in a sequence, each failure
// going to `$check`, which decides once (category rules, or an operator's
// abort) whether to compensate: `$compensating` undoes the completed flows
// recorded on the stack since the saga began, newest first; then `$recover`
// runs the recovery flow, or the failure goes on to the enclosing handler.
import { assign } from "xstate";
import type { SagaNode } from "../dsl/flow.js";
import { stepchartErrorFromJSON } from "../errors.js";
import { baseKey, compensatingState } from "./compensating.js";
import { failureIn, withFailure, withKey, withLane, type RunContext } from "./context.js";
import { compileFlow } from "./flow.js";
import { childScope, type Scope } from "./machine-parts.js";
import { DONE } from "./sequence.js";

const CHECK = "$check";
const COMPENSATING = "$compensating";
const COMPENSATED = "$compensated";
const RECOVER = "$recover";
const RECOVERED = "$recovered";

export function compileSaga(node: SagaNode, scope: Scope, next: string) {
  const { parts, path, display, lane } = scope;
  const recoverLane = node.recover ? parts.newLane() : undefined;
  const inner: Scope = {
    ...scope,
    onError: parts.target(`${path}.${CHECK}`),
    ...(node.escalation ? { escalation: node.escalation } : {}),
  };

  const begin = parts.action(`stepchart.saga.begin ${path}`, () =>
    assign(({ context }: { context: RunContext }): Partial<RunContext> => ({
      counters: withKey(context.counters, baseKey(path), context.stack.length),
      ...(recoverLane === undefined ? {} : { v: withLane(context.v, recoverLane, context.v[lane]) }),
    })),
  );
  const check = parts.action(`stepchart.saga.check ${path}`, () =>
    assign(({ context }: { context: RunContext }): Partial<RunContext> => {
      const failure = failureIn(context, scope.slot)!;
      let compensate = failure.aborted === true;
      if (!compensate) {
        try {
          compensate = node.compensates(stepchartErrorFromJSON(failure.error)) === true;
        } catch {
          compensate = true; // a broken policy must not leave work half done
        }
      }
      return { sel: withKey(context.sel, path, compensate ? "compensate" : "keep") };
    }),
  );
  const compensates = parts.guard(`${display}: compensate this failure`, ({ context }) => context.sel[path] === "compensate");

  const states: Record<string, object> = {};
  node.flows.forEach((flow, i) => {
    states[flow.name] = compileFlow(flow, childScope(inner, flow.name), node.flows[i + 1]?.name ?? DONE);
  });
  states[CHECK] = {
    entry: check,
    always: [
      { guard: compensates, target: COMPENSATING, description: "compensate (category rules)" },
      { target: COMPENSATED, description: "do not compensate" },
    ],
  };
  states[COMPENSATING] = compensatingState(parts, path, `${path}.${COMPENSATING}`, display, parts.target(`${path}.${COMPENSATED}`));
  if (node.recover && recoverLane !== undefined) {
    const prepare = parts.action(`stepchart.saga.recover ${path}`, () =>
      assign(({ context }: { context: RunContext }): Partial<RunContext> => {
        const { path: failedAt, error } = failureIn(context, scope.slot)!;
        const info = { input: context.v[recoverLane], error: { path: failedAt, category: error.category, code: error.code, message: error.message }, compensation: context.compensation };
        return { v: withLane(context.v, recoverLane, info), ...withFailure(context, scope.slot, undefined) };
      }),
    );
    const recovered = parts.action(`stepchart.saga.recovered ${path}`, () =>
      assign(({ context }: { context: RunContext }): Partial<RunContext> => ({ v: withLane(context.v, lane, context.v[recoverLane]) })),
    );
    states[COMPENSATED] = { always: { target: RECOVER, actions: prepare, description: "recover" } };
    states[RECOVER] = compileFlow(node.recover, childScope(scope, RECOVER, { lane: recoverLane }), RECOVERED);
    states[RECOVERED] = { entry: recovered, always: { target: DONE } };
  } else {
    states[COMPENSATED] = { always: { target: scope.onError, description: "fail" } };
  }
  states[DONE] = { type: "final" };
  return { initial: node.flows[0]!.name, entry: begin, states, onDone: { target: next } };
}
