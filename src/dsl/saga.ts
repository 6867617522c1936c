// saga(): a sequence whose failures undo the completed flows, newest first.
import { DefinitionError, type ErrorCategory, type StepchartError } from "../errors.js";
import { escalationOf, type EscalationOptions } from "./escalation.js";
import { assertFlow, describe, type Flow, type InputOf, type OutputOf, type SagaNode } from "./flow.js";
import { assertName, assertUniqueNames } from "./name.js";

/**
 * Which failure categories are compensated, by default: logic errors (and a
 * step an operator aborted) are; validation errors fail fast; transient,
 * dependency and resource errors are left to retries and do not compensate by
 * themselves.
 */
export const DEFAULT_COMPENSATE_ON: Readonly<Record<ErrorCategory, boolean>> = {
  logic: true,
  validation: false,
  transient: false,
  dependency: false,
  resource: false,
};

export interface SagaOptions extends EscalationOptions {
  /**
   * Which failures are compensated: per category (merged over the defaults) or a function.
   * @default { logic: true, validation: false, transient: false, dependency: false, resource: false }
   */
  compensateOn?: Partial<Record<ErrorCategory, boolean>> | ((error: StepchartError) => boolean);
  /**
   * Runs after a failure (once compensation is done) instead of failing; it gets
   * `{ input, error: { path, category, code, message }, compensation: { ran, failed } }`
   * and its output becomes the saga's.
   * @default none: the saga fails
   */
  recover?: Flow;
}

type Last<TFlows extends readonly unknown[]> = TFlows extends readonly [...unknown[], infer TLast] ? TLast : TFlows[number];

/**
 * A sequence with rollback: when a flow fails, the compensations of the
 * completed flows (attached with `compensate()` or the step option) run in
 * reverse order; a failing compensation is recorded and the rest still run.
 * The run's WorkflowFailed reports `compensation: { ran, failed }`.
 *
 * **When to use**: several steps with side effects that must be undone together.
 * **Gotchas**: which failures compensate follows `compensateOn` (see
 * DEFAULT_COMPENSATE_ON); compensations of completed branches of a parallel or
 * items of a map inside the saga run too, newest first.
 * @example
 * saga("Booking", [compensate(reserveFlight, cancelFlight), compensate(reserveHotel, cancelHotel), chargeCard]);
 */
export function saga<const TFlows extends readonly [Flow, ...Flow[]]>(
  name: string,
  flows: TFlows,
  options: SagaOptions = {},
): Flow<InputOf<TFlows[0]>, OutputOf<Last<TFlows>>> & SagaNode {
  assertName(name, "saga");
  if (!Array.isArray(flows) || flows.length === 0) {
    throw new DefinitionError(`Expected saga "${name}" to have at least one flow, got ${Array.isArray(flows) ? "none" : describe(flows)}`);
  }
  flows.forEach((flow, i) => assertFlow(flow, `flow ${i + 1} of saga "${name}"`));
  assertUniqueNames(flows.map((f) => f.name), `saga "${name}"`);
  if (options.recover !== undefined) assertFlow(options.recover, `\`recover\` of saga "${name}"`);
  const escalation = escalationOf(options, `saga "${name}"`);
  return {
    kind: "saga",
    name,
    flows: [...flows],
    compensates: compensationPolicy(options.compensateOn, name),
    ...(options.recover ? { recover: options.recover } : {}),
    ...(escalation ? { escalation } : {}),
  } as Flow<InputOf<TFlows[0]>, OutputOf<Last<TFlows>>> & SagaNode;
}

function compensationPolicy(option: SagaOptions["compensateOn"], name: string): (error: StepchartError) => boolean {
  if (typeof option === "function") return option;
  if (option !== undefined && (typeof option !== "object" || option === null)) {
    throw new DefinitionError(`Expected \`compensateOn\` of saga "${name}" to be a record of categories or a function, got ${describe(option)}`);
  }
  const rules = { ...DEFAULT_COMPENSATE_ON, ...option };
  return (error) => rules[error.category] === true;
}
