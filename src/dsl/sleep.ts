// sleep(): a durable pause.
import { toMs, type Duration } from "./duration.js";
import type { Flow, SleepNode } from "./flow.js";
import { assertName } from "./name.js";

/**
 * Pauses the run for `duration` on a durable timer (a restored run sleeps only
 * what is left); passes its input on unchanged.
 * @example
 * sequence("Remind", [sendReminder, sleep("CoolDown", "10m"), sendAgain]);
 */
export function sleep<TInput>(name: string, duration: Duration): Flow<TInput, TInput> & SleepNode {
  assertName(name, "sleep");
  return { kind: "sleep", name, durationMs: toMs(duration, `the duration of sleep "${name}"`) } as Flow<TInput, TInput> & SleepNode;
}
