// choose(): the first case whose `when` holds runs; otherwise `otherwise`.
import { DefinitionError } from "../errors.js";
import { assertFlow, describe, type ChooseNode, type Flow, type FlowNode } from "./flow.js";
import { assertName, assertUniqueNames } from "./name.js";

export interface Case<TInput, TOutput = any> {
  /** Decides whether this case runs; evaluated once, in order, on entry. */
  when: (input: TInput) => boolean;
  /** The flow to run; its name is the case's state key. */
  then: Flow<any, TOutput>;
  /** A readable label for diagrams and the inspector. @default the `when` function's name, or "case N" */
  label?: string;
}

/**
 * Conditional branching: the first matching case wins, then `otherwise`;
 * with no match and no `otherwise` the run fails with NoMatchingCaseError.
 * Cases are tested once on entry, so the decision survives a restore.
 * @example
 * choose("ApprovalRouting", [
 *   { when: (s) => s.confidence >= 0.9, then: autoApprove, label: "confidence >= 0.9" },
 * ], manualReview);
 */
export function choose<TInput, TOutput>(
  name: string,
  cases: readonly Case<TInput, TOutput>[],
  otherwise?: Flow<any, TOutput>,
): Flow<TInput, TOutput> & ChooseNode {
  assertName(name, "choose");
  if (!Array.isArray(cases) || cases.length === 0) {
    throw new DefinitionError(`Expected choose "${name}" to have at least one case, got ${Array.isArray(cases) ? "none" : describe(cases)}`);
  }
  const built = cases.map((c, i) => {
    if (typeof c !== "object" || c === null) {
      throw new DefinitionError(`Expected case ${i + 1} of choose "${name}" to be { when, then }, got ${describe(c)}`);
    }
    if (typeof c.when !== "function") {
      throw new DefinitionError(`Expected case ${i + 1} of choose "${name}" to have a function \`when\`, got ${describe(c.when)}`);
    }
    assertFlow(c.then, `\`then\` of case ${i + 1} of choose "${name}"`);
    if (c.label !== undefined && (typeof c.label !== "string" || c.label.trim() === "")) {
      throw new DefinitionError(`Expected the label of case ${i + 1} of choose "${name}" to be a non-empty string, got ${describe(c.label)}`);
    }
    const label = c.label ?? (c.when.name && c.when.name !== "when" ? c.when.name : `case ${i + 1}`);
    return { when: c.when, then: c.then as FlowNode, label };
  });
  if (otherwise !== undefined) assertFlow(otherwise, `\`otherwise\` of choose "${name}"`);
  assertUniqueNames([...built.map((c) => c.then.name), ...(otherwise ? [otherwise.name] : [])], `choose "${name}"`);
  return { kind: "choose", name, cases: built, ...(otherwise ? { otherwise } : {}) } as Flow<TInput, TOutput> & ChooseNode;
}

