// compensate(): attach a rollback to a flow.
import { DefinitionError } from "../errors.js";
import { assertFlow, describe, isFlow, type CompensateNode, type Flow, type FlowNode } from "./flow.js";
import type { StepContext } from "./step-context.js";
import { step } from "./step.js";

/** A compensation: a flow, or a function, given the output of the flow it undoes. */
export type Compensation<TOutput> = Flow<TOutput, unknown> | ((output: TOutput, ctx: StepContext) => unknown);

/** The compensation as a flow: a function becomes a step named "compensate". */
export function undoFlow(compensation: unknown, what: string): FlowNode {
  if (isFlow(compensation)) return compensation;
  if (typeof compensation === "function") return step("compensate", compensation as (output: unknown, ctx: StepContext) => unknown);
  throw new DefinitionError(`Expected the compensation of ${what} to be a flow or a function of the output, got ${describe(compensation)}`);
}

/**
 * Attaches a rollback to `flow`. When a later flow of an enclosing saga fails,
 * the rollback runs with the output `flow` produced, newest first.
 * **Gotchas**: compensations run at least once: make them idempotent
 * (`ctx.idempotencyKey` is stable for each record).
 * @example
 * compensate(storeInDatabase, async (stored) => db.delete(stored.id));
 */
export function compensate<TInput, TOutput>(flow: Flow<TInput, TOutput>, compensation: Compensation<TOutput>): Flow<TInput, TOutput> & CompensateNode {
  assertFlow(flow, "the flow given to compensate()");
  return { kind: "compensate", name: flow.name, flow, undo: undoFlow(compensation, `"${flow.name}"`) } as Flow<TInput, TOutput> & CompensateNode;
}
