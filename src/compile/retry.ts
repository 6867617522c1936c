// retry -> a self-loop inside a compound state named after the flow:
//   $run (the flow) --failure--> $check --retry--> $backoff --timer--> $run
// $check decides once, on entry, from the failure in context: retry (the delay
// and its absolute deadline go into context), give up (MaxRetriesExceededError)
// or pass the failure on. The wait is the durable timer actor, so a restored
// run waits only what is left of it.
import { assign } from "xstate";
import type { RetryNode } from "../dsl/flow.js";
import { MaxRetriesExceededError, ResourceError, stepchartErrorFromJSON, toStepchartError, type StepchartError } from "../errors.js";
import { backoffDelay, hashFraction } from "./backoff.js";
import { failure, failureIn, fullPath, withFailure, withKey, withLane, type RunContext } from "./context.js";
import { compileFlow } from "./flow.js";
import { childScope, type Scope } from "./machine-parts.js";
import { DONE } from "./sequence.js";
import { servicesOf } from "./services.js";
import { invokeTimer, registerTimer } from "./timer.js";

export const RUN = "$run";
const CHECK = "$check";
const BACKOFF = "$backoff";
const RETRY = "retry";
const GIVE_UP = "give-up";

export function compileRetry(node: RetryNode, scope: Scope, next: string) {
  const { parts, path, display, lane } = scope;
  const { policy } = node;
  registerTimer(parts);
  const saved = parts.newLane();

  const begin = parts.action(`stepchart.retry.begin ${path}`, () =>
    assign(({ context }: { context: RunContext }): Partial<RunContext> => ({
      counters: withKey(context.counters, path, 0),
      v: withLane(context.v, saved, context.v[lane]),
    })),
  );
  const check = parts.action(`stepchart.retry.check ${path}`, () =>
    assign(({ context, self }: { context: RunContext; self: any }): Partial<RunContext> => {
      const last = failureIn(context, scope.slot)!;
      const error = stepchartErrorFromJSON(last.error);
      const attempts = (context.counters[path] ?? 0) + 1;
      let retryable: boolean;
      try {
        retryable = policy.retryOn ? policy.retryOn(error) === true : error.retryable;
      } catch (thrown) {
        const where = `retryOn of retry "${fullPath(context, display)}"`;
        return { sel: withKey(context.sel, path, GIVE_UP), ...withFailure(context, scope.slot, failure(context, display, toStepchartError(thrown, where))) };
      }
      if (!retryable) return { sel: withKey(context.sel, path, GIVE_UP) };
      if (attempts > policy.maxRetries) {
        const exhausted = new MaxRetriesExceededError(`"${fullPath(context, display)}"`, attempts, error);
        return { sel: withKey(context.sel, path, GIVE_UP), ...withFailure(context, scope.slot, { path: last.path, error: exhausted.toJSON() }) };
      }
      const { clock } = servicesOf(self);
      const jitter = () => hashFraction(`${context.runId}:${fullPath(context, display)}:${attempts}`);
      const delayMs = Math.max(backoffDelay(attempts, policy, jitter), requestedWaitMs(error));
      return { sel: withKey(context.sel, path, RETRY), deadlines: withKey(context.deadlines, path, clock.now() + delayMs) };
    }),
  );
  const again = parts.action(`stepchart.retry.again ${path}`, () =>
    assign(({ context }: { context: RunContext }): Partial<RunContext> => ({
      counters: withKey(context.counters, path, (context.counters[path] ?? 0) + 1),
      v: withLane(context.v, lane, context.v[saved]),
      ...withFailure(context, scope.slot, undefined),
    })),
  );
  const retrying = parts.guard(`${display}: retry`, ({ context }) => context.sel[path] === RETRY);

  const inner = childScope(scope, RUN, { attemptKey: path, onError: parts.target(`${path}.${CHECK}`) });
  return {
    initial: RUN,
    entry: begin,
    states: {
      [RUN]: compileFlow(node.flow, inner, DONE),
      [CHECK]: {
        entry: check,
        always: [
          { guard: retrying, target: BACKOFF, description: `retryable, up to ${policy.maxRetries} retries` },
          { target: scope.onError, description: "not retryable, or retries exhausted" },
        ],
      },
      [BACKOFF]: { invoke: invokeTimer(path, { target: RUN, actions: again }), meta: { stepchart: { timer: path } } },
      [DONE]: { type: "final" },
    },
    onDone: { target: next },
  };
}

/** How long the failure itself asked us to wait (a rate limit's Retry-After, an open circuit's cool-down). */
function requestedWaitMs(error: StepchartError): number {
  const ms = error instanceof ResourceError ? error.retryAfterMs : (error.details.retryAfterMs as number | undefined);
  return typeof ms === "number" && Number.isFinite(ms) && ms > 0 ? ms : 0;
}
