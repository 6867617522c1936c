// cancelOn(): an event withdraws a running flow (WCP-19 cancel task, WCP-26
// cancel multiple-instance activity, WCP-25 for one connected block).
import { assertFlow, type CancelOnNode, type Flow } from "./flow.js";
import { assertEventType } from "./event-type.js";

export interface CancelOnOptions<TInput, TOutput> {
  /** Runs instead when the event withdraws the flow, given the flow's input. @default none: the input passes on */
  onCancel?: Flow<TInput, TOutput>;
}

/**
 * While `flow` runs, the event `event` withdraws it: its running steps stop
 * (their AbortSignals fire), pending ones never start, finished ones are left
 * alone (their compensations stay on a saga's stack). The run then goes on
 * with `onCancel`, given the flow's input, or with the input itself.
 *
 * **When to use**: a user or another system may call off a piece of work (a
 * quote request, a batch of map items) while it runs, and the run must go on.
 * **Gotchas**: the event is accepted only while `flow` runs; before and after
 * it is refused like any event nobody waits for. Without `onCancel` the output
 * type is the flow's output or its input.
 * @example
 * cancelOn(map("Quotes", fetchQuote, { items: (r) => r.vendors }), "WITHDRAW", { onCancel: step("Withdrawn", (r) => ({ ...r, withdrawn: true })) });
 */
export function cancelOn<TInput, TOutput, TCancelled = TInput>(
  flow: Flow<TInput, TOutput>,
  event: string,
  options: CancelOnOptions<TInput, TCancelled> = {},
): Flow<TInput, TOutput | TCancelled> & CancelOnNode {
  assertFlow(flow, "the flow given to cancelOn()");
  assertEventType(event, `cancelOn("${flow.name}")`);
  if (options.onCancel !== undefined) assertFlow(options.onCancel, `\`onCancel\` of cancelOn("${flow.name}")`);
  return {
    kind: "cancelOn",
    name: flow.name,
    flow,
    event,
    ...(options.onCancel ? { onCancel: options.onCancel } : {}),
  } as Flow<TInput, TOutput | TCancelled> & CancelOnNode;
}
