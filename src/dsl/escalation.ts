// Escalation options shared by saga() and workflow(): which failures park the
// run for an operator (opt-in) and the hook that alerts one.
import type { StepchartError } from "../errors.js";
import { DefinitionError } from "../errors.js";
import { describe, type Escalation, type EscalationInfo } from "./flow.js";
import { assertOptionalFunction } from "./numbers.js";

export interface EscalationOptions {
  /**
   * Park a failed step for an operator instead of failing: `true` for logic
   * errors, or a function choosing the failures. The operator answers with
   * `stepchart.retry`, `stepchart.skip` (with an `output`) or `stepchart.abort`.
   * @default false (true when `onEscalate` is given)
   */
  escalate?: boolean | ((error: StepchartError) => boolean);
  /** The alert: called once when a step is parked. @default none */
  onEscalate?: (info: EscalationInfo) => void | Promise<void>;
}

/** Reads escalation options; undefined when escalation is off. */
export function escalationOf(options: EscalationOptions, what: string): Escalation | undefined {
  const { escalate, onEscalate } = options;
  assertOptionalFunction(onEscalate, `onEscalate of ${what}`);
  if (escalate !== undefined && typeof escalate !== "boolean" && typeof escalate !== "function") {
    throw new DefinitionError(`Expected \`escalate\` of ${what} to be a boolean or a function of the error, got ${describe(escalate)}`);
  }
  if (escalate === false || (escalate === undefined && !onEscalate)) return undefined;
  const escalates = typeof escalate === "function" ? escalate : (error: StepchartError) => error.category === "logic";
  return { escalates, ...(onEscalate ? { onEscalate } : {}) };
}
