// sequence(): the output of flow N is the input of flow N+1.
import { DefinitionError } from "../errors.js";
import { assertFlow, describe, type Flow, type InputOf, type OutputOf, type SequenceNode } from "./flow.js";
import { assertName, assertUniqueNames } from "./name.js";

type Last<TFlows extends readonly unknown[]> = TFlows extends readonly [...unknown[], infer TLast] ? TLast : TFlows[number];

/**
 * Runs flows one after the other, each getting the previous one's output.
 * Its input is the first flow's input; its output the last flow's output.
 * @example
 * sequence("DocumentIngestion", [receive, classify, extract, store]);
 */
export function sequence<const TFlows extends readonly [Flow, ...Flow[]]>(
  name: string,
  flows: TFlows,
): Flow<InputOf<TFlows[0]>, OutputOf<Last<TFlows>>> & SequenceNode {
  assertName(name, "sequence");
  if (!Array.isArray(flows) || flows.length === 0) {
    throw new DefinitionError(`Expected sequence "${name}" to have at least one flow, got ${Array.isArray(flows) ? "none" : describe(flows)}`);
  }
  flows.forEach((flow, i) => assertFlow(flow, `flow ${i + 1} of sequence "${name}"`));
  assertUniqueNames(flows.map((f) => f.name), `sequence "${name}"`);
  return { kind: "sequence", name, flows: [...flows] };
}
