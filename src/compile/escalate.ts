// Escalation -> a compound state around a step: the step at `$run`; a failure
// goes to `$check`, which parks the step in `$escalated` when the policy says
// so (tagged stepchart.escalated; the onEscalate hook is called once, on
// entry, never again after a restore) and waits for an operator:
// `stepchart.retry` runs the step again, `stepchart.skip` continues with the
// event's `output`, `stepchart.abort` fails the step and makes the enclosing
// saga compensate whatever the category. An event may name the step (`path`).
import { assign } from "xstate";
import type { Escalation, StepNode } from "../dsl/flow.js";
import { stepchartErrorFromJSON } from "../errors.js";
import { failureIn, fullPath, withFailure, withKey, withLane, type RunContext } from "./context.js";
import { childScope, type Scope } from "./machine-parts.js";
import { RUN } from "./retry.js";
import { DONE } from "./sequence.js";
import { servicesOf } from "./services.js";

export const ESCALATED = "$escalated";
export const ESCALATED_TAG = "stepchart.escalated";
export const OPERATOR_EVENTS = ["stepchart.retry", "stepchart.skip", "stepchart.abort"] as const;
const CHECK = "$check";

export function compileEscalated(
  node: StepNode,
  escalation: Escalation,
  scope: Scope,
  next: string,
  compileInner: (node: StepNode, scope: Scope, next: string) => object,
) {
  const { parts, path, display, lane } = scope;
  const decide = parts.action(`stepchart.escalate.check ${path}`, () =>
    assign(({ context }: { context: RunContext }): Partial<RunContext> => {
      let park = false;
      try {
        park = escalation.escalates(stepchartErrorFromJSON(failureIn(context, scope.slot)!.error)) === true;
      } catch {
        park = true; // a broken policy parks the step rather than losing the decision
      }
      return { sel: withKey(context.sel, path, park ? "escalate" : "fail") };
    }),
  );
  const alert = parts.action(`stepchart.escalate.alert ${path}`, () => ({ context, self }: { context: RunContext; self: any }) => {
    const { runId } = context;
    const failure = failureIn(context, scope.slot)!;
    const services = servicesOf(self);
    services.log({ level: "warn", message: `Step parked for an operator: retry, skip or abort it`, runId, path: failure.path, fields: { error: failure.error } });
    const hook = escalation.onEscalate;
    if (!hook) return;
    queueMicrotask(() => {
      Promise.resolve()
        .then(() => hook({ runId, path: failure.path, error: stepchartErrorFromJSON(failure.error) }))
        .catch((thrown: unknown) =>
          services.log({ level: "error", message: "The onEscalate hook failed", runId, path: failure.path, fields: { error: String(thrown) } }),
        );
    });
  });
  const parks = parts.guard(`${display}: escalate`, ({ context }) => context.sel[path] === "escalate");
  const forThisStep = parts.guard(`${display}: operator event for this step`, ({ context, event }) => {
    return event.path === undefined || event.path === fullPath(context, display);
  });
  const clear = parts.action(`stepchart.escalate.clear ${path}`, () =>
    assign(({ context }: { context: RunContext }): Partial<RunContext> => withFailure(context, scope.slot, undefined)),
  );
  const skip = parts.action(`stepchart.escalate.skip ${path}`, () =>
    assign(({ context, event }: { context: RunContext; event: any }): Partial<RunContext> => ({
      v: withLane(context.v, lane, event.output === undefined ? null : event.output),
      ...withFailure(context, scope.slot, undefined),
    })),
  );
  const abort = parts.action(`stepchart.escalate.abort ${path}`, () =>
    assign(({ context }: { context: RunContext }): Partial<RunContext> =>
      withFailure(context, scope.slot, { ...failureIn(context, scope.slot)!, aborted: true }),
    ),
  );

  return {
    initial: RUN,
    states: {
      [RUN]: compileInner(node, childScope(scope, RUN, { onError: parts.target(`${path}.${CHECK}`), escalation: undefined }), DONE),
      [CHECK]: {
        entry: decide,
        always: [{ guard: parks, target: ESCALATED, description: "escalate to an operator" }, { target: scope.onError, description: "fail" }],
      },
      [ESCALATED]: {
        entry: alert,
        tags: [ESCALATED_TAG],
        meta: { stepchart: { escalated: display } },
        on: {
          "stepchart.retry": { guard: forThisStep, target: RUN, actions: clear, description: "operator: retry" },
          "stepchart.skip": { guard: forThisStep, target: DONE, actions: skip, description: "operator: skip with output" },
          "stepchart.abort": { guard: forThisStep, target: scope.onError, actions: abort, description: "operator: abort (compensate)" },
        },
      },
      [DONE]: { type: "final" },
    },
    onDone: { target: next },
  };
}
