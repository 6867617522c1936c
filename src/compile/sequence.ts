// sequence -> chained states inside a compound state ending in a final state;
// every child works in place on the sequence's lane.
import type { SequenceNode } from "../dsl/flow.js";
import { compileFlow } from "./flow.js";
import { childScope, type Scope } from "./machine-parts.js";

export const DONE = "$done";

export function compileSequence(node: SequenceNode, scope: Scope, next: string) {
  const states: Record<string, object> = {};
  node.flows.forEach((flow, i) => {
    const after = node.flows[i + 1]?.name ?? DONE;
    states[flow.name] = compileFlow(flow, childScope(scope, flow.name), after);
  });
  states[DONE] = { type: "final" };
  return { initial: node.flows[0]!.name, states, onDone: { target: next } };
}
