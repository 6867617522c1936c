// call(): a workflow by reference, resolved once the calling workflow is
// compiled, so that a workflow can call itself (WCP-22 recursion).
import { DefinitionError } from "../errors.js";
import { describe, type CallNode, type Flow } from "./flow.js";
import { assertName } from "./name.js";
import { assertOptionalFunction } from "./numbers.js";

export interface CallOptions<TInput, TCalledInput> {
  /** The state's name (a step path segment); give one to call twice in one sequence. @default "call" */
  name?: string;
  /** Makes the called workflow's input from this flow's input. @default the input as it is */
  input?: (input: TInput) => TCalledInput;
}

/**
 * Runs a workflow given by reference as a child of this run: its output is
 * this flow's output, its failure this flow's (with the called workflow's
 * step path), as for a workflow used as a step. The reference is resolved
 * when the calling workflow is compiled, after its own machine exists, so a
 * workflow can call itself or another that calls it back.
 *
 * **When to use**: recursive processes (a part list exploded into sub-parts, a
 * tree of reviews), or two workflows that call each other.
 * **Gotchas**: TypeScript cannot infer the type of a constant that refers to
 * itself: annotate it (`const explode: Workflow<Part, Count> = workflow(…)`).
 * Recursion must end by a choice in the data: nothing limits its depth. A
 * saga around a call undoes the called run's completed compensable steps one
 * level deep; in a workflow calling itself, deeper levels are not undone.
 * @example
 * const explode: Workflow<Part, number> = workflow("Explode", choose("leaf?", [
 *   { when: (p) => p.parts.length === 0, then: step("one", () => 1) },
 * ], map("Parts", call(() => explode), { items: (p) => p.parts, combine: (n) => n.reduce((a, b) => a + b, 1) })));
 */
export function call<TInput, TOutput>(workflow: () => Flow<TInput, TOutput>, options?: CallOptions<TInput, TInput> & { input?: undefined }): Flow<TInput, TOutput> & CallNode;
export function call<TInput, TCalledInput, TOutput>(
  workflow: () => Flow<TCalledInput, TOutput>,
  options: CallOptions<TInput, TCalledInput> & { input: (input: TInput) => TCalledInput },
): Flow<TInput, TOutput> & CallNode;
export function call(workflow: () => Flow, options: CallOptions<any, any> = {}): Flow & CallNode {
  if (typeof workflow !== "function") {
    throw new DefinitionError(`Expected call() to get a function returning a workflow, like call(() => review), got ${describe(workflow)}`);
  }
  const name = options.name ?? "call";
  assertName(name, "call");
  assertOptionalFunction(options.input, `input of call "${name}"`);
  return { kind: "call", name, workflow, ...(options.input ? { input: options.input } : {}) } as Flow & CallNode;
}
