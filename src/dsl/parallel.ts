// parallel(): static branches run at the same time, each on a copy of the input.
import { DefinitionError } from "../errors.js";
import { assertFlow, describe, type Branch, type Flow, type InputOf, type OutputOf, type ParallelNode } from "./flow.js";
import { assertName, assertUniqueNames } from "./name.js";
import { assertInteger, assertOptionalFunction } from "./numbers.js";

export interface ParallelOptions<TResults, TInput, TOutput> {
  /** At most this many branches run at once; the rest wait for a free slot. @default no limit */
  maxConcurrency?: number;
  /** Replaces the default output (the branch results, record in record out, array in array out). @default none */
  combine?: (results: TResults, input: TInput) => TOutput;
  /** Cancel the other branches on the first failure (their AbortSignals fire). @default false: all branches settle */
  failFast?: boolean;
}

type Results<TBranches> = { -readonly [K in keyof TBranches]: OutputOf<TBranches[K]> };
type BranchInput<TBranches> = TBranches extends readonly Flow[] ? InputOf<TBranches[number]> : InputOf<TBranches[keyof TBranches]>;

/**
 * Fan-out / fan-in: every branch gets a copy of the input and runs at the same
 * time (at most `maxConcurrency` at once). All branches settle, then the
 * failures, if any, are thrown together as ParallelExecutionFailed.
 *
 * **Gotchas**: each branch is one region of an XState parallel state, and
 * XState's cost per event grows with the number of regions: for more than a
 * few dozen branches of the same shape use `map`, whose cost does not grow
 * with the number of items.
 * @example
 * parallel("Gather", { labs: fetchLabs, meds: fetchMeds }, { maxConcurrency: 5 });
 */
export function parallel<const TBranches extends Record<string, Flow> | readonly Flow[], TOutput = Results<TBranches>>(
  name: string,
  branches: TBranches,
  options: ParallelOptions<Results<TBranches>, BranchInput<TBranches>, TOutput> = {},
): Flow<BranchInput<TBranches>, TOutput> & ParallelNode {
  assertName(name, "parallel");
  if (typeof branches !== "object" || branches === null) {
    throw new DefinitionError(`Expected the branches of parallel "${name}" to be a record or an array of flows, got ${describe(branches)}`);
  }
  const shape = Array.isArray(branches) ? "array" : "record";
  const list: Branch[] = Array.isArray(branches)
    ? branches.map((flow, i) => (assertFlow(flow, `branch ${i + 1} of parallel "${name}"`), { key: flow.name, flow }))
    : Object.entries(branches as Record<string, Flow>).map(([key, flow]) => {
        assertName(key, `branch of parallel "${name}"`);
        assertFlow(flow, `branch "${key}" of parallel "${name}"`);
        return { key, flow };
      });
  if (list.length === 0) throw new DefinitionError(`Expected parallel "${name}" to have at least one branch, got none`);
  assertUniqueNames(list.map((b) => b.key), `parallel "${name}"`);
  if (options.maxConcurrency !== undefined) assertInteger(options.maxConcurrency, `maxConcurrency of parallel "${name}"`, 1);
  assertOptionalFunction(options.combine, `combine of parallel "${name}"`);
  return {
    kind: "parallel",
    name,
    branches: list,
    shape,
    failFast: options.failFast ?? false,
    ...(options.maxConcurrency !== undefined ? { maxConcurrency: options.maxConcurrency } : {}),
    ...(options.combine ? { combine: options.combine } : {}),
  } as Flow<BranchInput<TBranches>, TOutput> & ParallelNode;
}
