// Places each transition of a chart in the one box where it is drawn: both of
// its ends are lifted to the children of the box that holds them both (their
// least common ancestor), so an arrow never crosses into a box from outside
// (Mermaid cannot draw that; see its stateDiagram docs on composite states).
// A failure arrow from every step of a sequence becomes one arrow from the
// sequence's box. Arrows with the same ends are merged, their labels joined.
import type { Chart, ChartTransition, TransitionKind } from "./chart.js";
import { parentOf } from "./targets.js";

export interface PlacedTransition {
  /** The box that draws the arrow: the path of a compound, parallel or region state ("" for the root). */
  readonly container: string;
  /** A child of `container`, or `container` itself for an arrow from its start marker. */
  readonly from: string;
  /** A child of `container` (a self-loop has `from === to`). */
  readonly to: string;
  /** The state the transitions really enter (before lifting). */
  readonly target: string;
  /** The labels of the merged transitions, joined by ", " (empty labels dropped). */
  readonly label: string;
  readonly kind: TransitionKind;
}

/**
 * The transitions of `chart` (or `transitions`, a rewritten list) placed in their boxes, merged, in first-seen order.
 * @example placeTransitions(chart).filter((t) => t.container === "").map((t) => `${t.from} -> ${t.to}`)
 */
export function placeTransitions(chart: Chart, transitions: readonly ChartTransition[] = chart.transitions): PlacedTransition[] {
  const placed = new Map<string, { container: string; from: string; to: string; target: string; labels: string[]; kind: TransitionKind }>();
  for (const t of transitions) {
    const { container, from, to } = place(t);
    const key = `${container}\u0000${from}\u0000${to}`;
    const entry = placed.get(key);
    if (!entry) placed.set(key, { container, from, to, target: t.target, labels: t.label === "" ? [] : [t.label], kind: t.kind });
    else if (t.label !== "" && !entry.labels.includes(t.label)) entry.labels.push(t.label);
  }
  return [...placed.values()].map(({ labels, ...rest }) => ({ ...rest, label: labels.join(", ") }));
}

function place(t: ChartTransition): { container: string; from: string; to: string } {
  const { source, target } = t;
  if (source === target) return { container: parentOf(source), from: source, to: source };
  const common = commonAncestor(source, target);
  // The target lies inside the source: drawn from the source's start marker.
  if (common === source) return { container: source, from: source, to: childToward(source, target) };
  // The target is an ancestor of the source: leaving and re-entering it, a self-loop on its box.
  if (common === target) return { container: parentOf(target), from: target, to: target };
  return { container: common, from: childToward(common, source), to: childToward(common, target) };
}

/**
 * The deepest state that holds both paths ("" is the root).
 * @example commonAncestor("A.b.c", "A.d") // "A"
 */
export function commonAncestor(a: string, b: string): string {
  const pa = a === "" ? [] : a.split(".");
  const pb = b === "" ? [] : b.split(".");
  let n = 0;
  while (n < pa.length && n < pb.length && pa[n] === pb[n]) n++;
  return pa.slice(0, n).join(".");
}

/**
 * The child of `ancestor` on the way down to `path`.
 * @example childToward("A", "A.b.c") // "A.b"
 */
export function childToward(ancestor: string, path: string): string {
  const depth = ancestor === "" ? 0 : ancestor.split(".").length;
  return path.split(".").slice(0, depth + 1).join(".");
}
