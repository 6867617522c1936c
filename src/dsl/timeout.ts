// timeout(): bound a flow in time.
import { toMs, type Duration } from "./duration.js";
import { assertFlow, type Flow, type TimeoutNode } from "./flow.js";

/**
 * Fails `flow` with a TransientError (code `timeout`) when it runs longer than
 * `duration`; its running steps are withdrawn (their AbortSignals fire). The
 * deadline is a durable timer.
 * @example
 * timeout(sequence("Fetch", [fetchA, fetchB]), "2m");
 */
export function timeout<TInput, TOutput>(flow: Flow<TInput, TOutput>, duration: Duration): Flow<TInput, TOutput> & TimeoutNode {
  assertFlow(flow, "the flow given to timeout()");
  return { kind: "timeout", name: flow.name, flow, timeoutMs: toMs(duration, `the timeout of "${flow.name}"`) } as Flow<TInput, TOutput> & TimeoutNode;
}
