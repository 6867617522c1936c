// pipeline(): items flow through stages; different items occupy different stages at once.
import { DefinitionError } from "../errors.js";
import { assertFlow, describe, isFlow, type Flow, type ItemsNode, type Stage } from "./flow.js";
import { assertItemsOptions } from "./map.js";
import { assertName, assertUniqueNames } from "./name.js";
import { assertInteger } from "./numbers.js";

export interface PipelineOptions<TInput, TItem> {
  /** The items, computed from the pipeline's input when it starts. */
  items: (input: TInput) => readonly TItem[];
  /** The limit of every stage that sets none of its own. @default no limit */
  maxConcurrency?: number;
}

/** A stage with its own limit. */
export interface StageOptions {
  flow: Flow;
  maxConcurrency: number;
}

/**
 * Pipeline parallelism: each item passes through the stages in order (the
 * output of stage N is its input to stage N+1); an item enters a stage as soon
 * as it left the previous one and the stage has a free slot, so items are in
 * different stages at once. Output: the last stage's results in item order.
 * @example
 * pipeline("Enrich", [parse, { flow: enrich, maxConcurrency: 2 }, store], { items: (x) => x.records, maxConcurrency: 4 });
 */
export function pipeline<TInput, TItem>(
  name: string,
  stages: readonly (Flow | StageOptions)[],
  options: PipelineOptions<TInput, TItem>,
): Flow<TInput, unknown[]> & ItemsNode {
  assertName(name, "pipeline");
  if (!Array.isArray(stages) || stages.length === 0) {
    throw new DefinitionError(`Expected pipeline "${name}" to have at least one stage, got ${Array.isArray(stages) ? "none" : describe(stages)}`);
  }
  assertItemsOptions(options, `pipeline "${name}"`);
  const built: Stage[] = stages.map((stage, i) => {
    const what = `stage ${i + 1} of pipeline "${name}"`;
    if (isFlow(stage)) return { flow: stage, ...(options.maxConcurrency !== undefined ? { maxConcurrency: options.maxConcurrency } : {}) };
    assertFlow((stage as StageOptions | undefined)?.flow, what);
    assertInteger(stage.maxConcurrency, `maxConcurrency of ${what}`, 1);
    return { flow: stage.flow, maxConcurrency: stage.maxConcurrency };
  });
  assertUniqueNames(built.map((s) => s.flow.name), `pipeline "${name}"`);
  return { kind: "pipeline", name, stages: built, items: options.items } as Flow<TInput, unknown[]> & ItemsNode;
}
