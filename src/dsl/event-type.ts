// Event types named in definitions (waits, cancellations, map intake): user
// types only; `xstate.*` is XState's and `*` is its wildcard.
import { DefinitionError } from "../errors.js";
import { describe } from "./flow.js";

/** Throws unless `event` can be an event type a run is sent; `what` names the owner. */
export function assertEventType(event: unknown, what: string): asserts event is string {
  if (typeof event !== "string" || event === "" || event.startsWith("xstate.") || event.startsWith("stepchart.") || event.includes("*")) {
    throw new DefinitionError(`Expected the event of ${what} to be an event type like "APPROVE" (not xstate.* or stepchart.*, without "*"), got ${describe(event)}`);
  }
}
