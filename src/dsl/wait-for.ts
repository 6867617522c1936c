// waitFor(): wait, durably, for an external event such as a human approval.
import type { ZodType } from "zod";
import { DefinitionError } from "../errors.js";
import { toMs, type Duration } from "./duration.js";
import { assertFlow, describe, type Flow, type WaitNode } from "./flow.js";
import { assertName } from "./name.js";
import { assertSchema } from "./step.js";

export interface WaitForOptions<TInput, TPayload, TOutput> {
  /** Give up after this long. @default wait forever */
  timeout?: Duration;
  /** Validates the event's payload (the event without `type`); an invalid one is refused and the run keeps waiting. @default none */
  schema?: ZodType<TPayload>;
  /** Runs when the timeout passes first, with the wait's input. @default none: fail with WaitTimeoutError */
  onTimeout?: Flow<TInput, TOutput>;
  /** How the output is made: a function of (input, payload), or false for the payload alone. @default { ...input, ...payload } */
  merge?: ((input: TInput, payload: TPayload) => TOutput) | false;
  /**
   * Keeps events of this type that arrive while the run does not wait for them
   * (a persistent trigger): they queue up in order, in the run's snapshot, and
   * the next wait for the type takes the oldest at once. @default false: an
   * event nobody waits for is refused (a transient trigger)
   */
  buffered?: boolean;
}

/**
 * Waits for an event of type `event` sent to the run (`handle.send`,
 * `engine.signal`). The wait and its timeout survive restarts: the deadline is
 * a durable timer. Events of other types, or sent when the run is not
 * waiting, are ignored and reported, unless the wait is `buffered`: then an
 * early event is kept until the wait is reached.
 * @example
 * waitFor("WaitForPhysicianApproval", "APPROVE", { timeout: "48h", schema: z.object({ by: z.string() }), onTimeout: escalate });
 * waitFor("AwaitPayment", "PAID", { buffered: true }); // a PAID sent while the order is still being packed is kept
 */
export function waitFor<TInput, TPayload = Record<string, unknown>, TOutput = TInput & TPayload>(
  name: string,
  event: string,
  options: WaitForOptions<TInput, TPayload, TOutput> = {},
): Flow<TInput, TOutput> & WaitNode {
  assertName(name, "waitFor");
  if (typeof event !== "string" || event === "" || event.startsWith("xstate.") || event.includes("*")) {
    throw new DefinitionError(`Expected the event of waitFor "${name}" to be an event type like "APPROVE" (not xstate.* and without "*"), got ${describe(event)}`);
  }
  assertSchema(options.schema, `the schema of waitFor "${name}"`);
  if (options.onTimeout !== undefined) {
    assertFlow(options.onTimeout, `\`onTimeout\` of waitFor "${name}"`);
    if (options.timeout === undefined) throw new DefinitionError(`waitFor "${name}" has \`onTimeout\` but no \`timeout\`; add a timeout such as "48h"`);
  }
  if (options.buffered !== undefined && typeof options.buffered !== "boolean") {
    throw new DefinitionError(`Expected \`buffered\` of waitFor "${name}" to be true or false, got ${describe(options.buffered)}`);
  }
  if (options.merge !== undefined && options.merge !== false && typeof options.merge !== "function") {
    throw new DefinitionError(`Expected \`merge\` of waitFor "${name}" to be a function or false, got ${describe(options.merge)}`);
  }
  return {
    kind: "wait",
    name,
    event,
    merge: options.merge,
    ...(options.timeout !== undefined ? { timeoutMs: toMs(options.timeout, `the timeout of waitFor "${name}"`) } : {}),
    ...(options.schema ? { schema: options.schema } : {}),
    ...(options.onTimeout ? { onTimeout: options.onTimeout } : {}),
    ...(options.buffered ? { buffered: true } : {}),
  } as Flow<TInput, TOutput> & WaitNode;
}
