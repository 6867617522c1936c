// The coverage of simulated runs: which states and transitions of the
// workflow's compiled (root) machine they went through, out of all of them.
// States are state node ids; a transition is `source → targets on event`.
// A child machine (a child workflow, a map item) is not counted here.
import type { Flow } from "../dsl/flow.js";
import { compile } from "../compile/compile.js";
import type { Simulation } from "./simulate.js";
import { transitionKey } from "./simulate.js";

export interface CoverageReport {
  readonly states: { readonly reached: number; readonly total: number; readonly missed: readonly string[] };
  readonly transitions: { readonly reached: number; readonly total: number; readonly missed: readonly string[] };
}

/** Every state id and transition key of a workflow's compiled machine. */
function inventory(workflow: Flow): { states: string[]; transitions: string[] } {
  const states: string[] = [];
  const transitions: string[] = [];
  const visit = (node: any) => {
    states.push(node.id);
    for (const list of node.transitions.values() as Iterable<any[]>) for (const t of list) transitions.push(transitionKey(t));
    for (const t of node.always ?? []) transitions.push(transitionKey(t));
    for (const child of Object.values(node.states ?? {})) visit(child);
  };
  visit((compile(workflow) as any).root);
  return { states, transitions: [...new Set(transitions)] };
}

/**
 * What the simulated runs (made with `recordCoverage`) reached of the compiled machine.
 * @example
 * coverageOf(wf, sims).states.missed; // ["Wf.$cancelling", ...]
 */
export function coverageOf(workflow: Flow, simulations: readonly Simulation[]): CoverageReport {
  const all = inventory(workflow);
  const states = new Set<string>();
  const transitions = new Set<string>();
  for (const s of simulations) {
    for (const id of s.visited?.states ?? []) states.add(id);
    for (const key of s.visited?.transitions ?? []) transitions.add(key);
  }
  const missedStates = all.states.filter((s) => !states.has(s));
  const missedTransitions = all.transitions.filter((t) => !transitions.has(t));
  return {
    states: { reached: all.states.length - missedStates.length, total: all.states.length, missed: missedStates },
    transitions: { reached: all.transitions.length - missedTransitions.length, total: all.transitions.length, missed: missedTransitions },
  };
}
