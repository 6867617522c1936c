// critical(): a named lock around a flow, so that flows holding the same lock
// never run at the same time within a run (WCP-17 interleaved parallel
// routing, WCP-39 critical section).
import { DefinitionError } from "../errors.js";
import { assertFlow, describe, type CriticalNode, type Flow } from "./flow.js";

/**
 * Runs `flow` while holding `lock`: at most one flow holding a lock of that
 * name runs at a time in a run; the others wait in the order they arrived
 * (branches arriving together: in branch order). The lock is released however
 * the flow ends: done, failed, withdrawn (a failFast sibling, a timeout,
 * cancelOn) or cancelled while still waiting.
 *
 * **When to use**: tasks of parallel branches that must not overlap (they share
 * a ledger, a desk, a device) while the rest of each branch runs freely; unlike
 * `parallel(…, { maxConcurrency: 1 })`, a task of one branch can run between
 * two tasks of another.
 * **Gotchas**: the lock is per run and per machine: items of a `map` are
 * machines of their own, so a `critical` inside a map's flow excludes within
 * one item only. A flow that waits for a lock it already holds (the same name
 * nested) waits forever.
 * @example
 * parallel("Book", { a: sequence("a", [critical("ledger", debit), notify]), b: critical("ledger", audit) });
 */
export function critical<TInput, TOutput>(lock: string, flow: Flow<TInput, TOutput>): Flow<TInput, TOutput> & CriticalNode {
  if (typeof lock !== "string" || lock.trim() === "") {
    throw new DefinitionError(`Expected the lock of critical() to be a non-empty string such as "ledger", got ${describe(lock)}`);
  }
  assertFlow(flow, `the flow given to critical("${lock}")`);
  return { kind: "critical", name: flow.name, lock, flow } as Flow<TInput, TOutput> & CriticalNode;
}
