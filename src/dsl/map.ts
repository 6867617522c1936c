// map(): the same flow over every item of a list computed from the input.
import { DefinitionError } from "../errors.js";
import { assertFlow, describe, type Flow, type ItemsNode } from "./flow.js";
import { assertName } from "./name.js";
import { assertInteger, assertOptionalFunction } from "./numbers.js";

export interface MapOptions<TInput, TItem, TResult, TOutput> {
  /** The items, computed from the map's input when it starts. */
  items: (input: TInput) => readonly TItem[];
  /** At most this many items run at once. @default no limit */
  maxConcurrency?: number;
  /** Turns the results (in item order) into the output: scatter-gather. @default the results array */
  combine?: (results: TResult[], input: TInput) => TOutput;
}

/**
 * Runs `flow` once per item, at most `maxConcurrency` at a time, and returns
 * the results in item order. Every item settles; failures are thrown together
 * as ParallelExecutionFailed, each naming its item (`[index]`). With `combine`
 * it is a scatter-gather.
 *
 * Each running item is a child actor (registered by name) of the run's
 * machine; progress lives in the run's context, so a snapshot holds it all.
 * @example
 * map("ExtractSections", extractSection, { items: (doc) => doc.sections, maxConcurrency: 10 });
 */
export function map<TInput, TItem, TResult, TOutput = TResult[]>(
  name: string,
  flow: Flow<TItem, TResult>,
  options: MapOptions<TInput, TItem, TResult, TOutput>,
): Flow<TInput, TOutput> & ItemsNode {
  assertName(name, "map");
  assertFlow(flow, `the flow of map "${name}"`);
  assertItemsOptions(options, `map "${name}"`);
  return {
    kind: "map",
    name,
    stages: [{ flow, ...(options.maxConcurrency !== undefined ? { maxConcurrency: options.maxConcurrency } : {}) }],
    items: options.items,
    ...(options.combine ? { combine: options.combine } : {}),
  } as Flow<TInput, TOutput> & ItemsNode;
}

/** Checks the options map and pipeline share. */
export function assertItemsOptions(options: { items?: unknown; maxConcurrency?: unknown; combine?: unknown } | undefined, what: string): void {
  if (typeof options !== "object" || options === null) {
    throw new DefinitionError(`Expected the options of ${what} to be { items, maxConcurrency? }, got ${describe(options)}`);
  }
  if (typeof options.items !== "function") {
    throw new DefinitionError(`Expected \`items\` of ${what} to be a function of the input that returns an array, got ${describe(options.items)}`);
  }
  if (options.maxConcurrency !== undefined) assertInteger(options.maxConcurrency, `maxConcurrency of ${what}`, 1);
  assertOptionalFunction(options.combine, `combine of ${what}`);
}
