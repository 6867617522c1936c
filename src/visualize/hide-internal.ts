// `internal: false`: leaves out stepchart's bookkeeping states, the `$` states
// that do nothing but decide where to go next (no events, no invoked actors,
// only eventless transitions: `$start`, `$select`, `$fork`, `$join`, `$wait`,
// `$check`…). Each arrow into such a state is joined to each arrow out of it,
// labels joined by " / ". States that wait for something are always kept.
import type { Chart, ChartState, ChartTransition } from "./chart.js";

/**
 * The chart without its pass-through `$` states, and the transitions rewritten around them.
 * @example hideInternal(readChart(wf)).states.has("Route.$select") // false
 */
export function hideInternal(chart: Chart): Chart {
  let transitions: readonly ChartTransition[] = chart.transitions;
  const hidden = new Set<string>();
  for (const state of chart.states.values()) {
    const out = transitions.filter((t) => t.source === state.path);
    if (!isPassThrough(state, out)) continue;
    hidden.add(state.path);
    const rewritten: ChartTransition[] = [];
    for (const t of transitions) {
      if (t.source === state.path) continue;
      if (t.target !== state.path) {
        rewritten.push(t);
        continue;
      }
      for (const o of out) rewritten.push({ ...t, target: o.target, label: joinLabels(t.label, o.label), kind: t.kind === "initial" ? "initial" : o.kind });
    }
    transitions = rewritten;
  }
  if (hidden.size === 0) return chart;
  const states = new Map<string, ChartState>();
  const prune = (state: ChartState): ChartState => {
    const pruned = { ...state, children: state.children.filter((c) => !hidden.has(c.path)).map(prune) };
    states.set(pruned.path, pruned);
    return pruned;
  };
  return { id: chart.id, root: prune(chart.root), states, transitions };
}

function isPassThrough(state: ChartState, out: readonly ChartTransition[]): boolean {
  return (
    state.internal &&
    state.children.length === 0 &&
    !state.waits &&
    state.shape !== "end" &&
    state.shape !== "final" &&
    out.length > 0 &&
    out.every((t) => t.kind === "always" && t.target !== state.path)
  );
}

function joinLabels(into: string, out: string): string {
  if (into === "") return out;
  return out === "" ? into : `${into} / ${out}`;
}
