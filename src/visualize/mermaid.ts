// toMermaid(): a workflow or compiled machine as Mermaid `stateDiagram-v2`
// text, which GitHub renders. Owns Mermaid's syntax (ids, escapes, composite
// and concurrent blocks) and its renderer's limits; the states and arrows come
// from the chart, so this file never reads a machine config itself.
import { chartToDraw, type DiagramOptions } from "./diagram-options.js";
import type { Chart, ChartState } from "./chart.js";
import { childToward, placeTransitions, type PlacedTransition } from "./placement.js";
import type { DiagramSource } from "./source.js";
import { wrapLabel } from "./labels.js";

const INDENT = "    ";

/**
 * Draws a workflow, any flow or a compiled machine as a Mermaid state diagram.
 * States are named after their keys (stepchart's `$` states get short labels:
 * `$select` is a choice, `$fork`/`$join` are bars); a step's result arrows read
 * "done" and "error", eventless arrows show their description or guard, timers
 * their delay. The output is deterministic: the same machine gives the same text.
 *
 * **Gotchas**: Mermaid cannot draw an arrow into a box from outside, so arrows
 * are drawn between the boxes that hold their ends (a failure arrow from each
 * step of a sequence becomes one arrow from the sequence).
 * @example
 * const text = toMermaid(ingestion);                     // "stateDiagram-v2\n    state ..."
 * const brief = toMermaid(ingestion, { internal: false }); // without $start, $select, $join...
 */
export function toMermaid(source: DiagramSource, options: DiagramOptions = {}): string {
  return new MermaidWriter(chartToDraw(source, options)).write();
}

class MermaidWriter {
  readonly #chart: Chart;
  readonly #ids = new Map<string, string>();
  readonly #edges = new Map<string, PlacedTransition[]>();
  readonly #initial = new Map<string, string>();
  readonly #lines: string[] = ["stateDiagram-v2"];

  constructor(chart: Chart) {
    this.#chart = chart;
    const taken = new Set<string>();
    for (const path of chart.states.keys()) {
      if (path === "") continue;
      const base = `s_${path.replace(/[^A-Za-z0-9_]/g, "_")}`;
      let id = base;
      for (let n = 2; taken.has(id); n++) id = `${base}_${n}`;
      taken.add(id);
      this.#ids.set(path, id);
    }
    for (const t of placeTransitions(chart)) {
      const list = this.#edges.get(t.container) ?? [];
      list.push(t);
      this.#edges.set(t.container, list);
    }
    // A box's initial state, when it has exactly one (with `internal: false` a
    // hidden choice leaves its box several start arrows, and no single first state).
    const starts = new Map<string, Set<string>>();
    for (const t of chart.transitions) {
      const inside = t.source === "" || t.target.startsWith(`${t.source}.`);
      if (t.kind !== "initial" || !inside) continue;
      const set = starts.get(t.source) ?? new Set<string>();
      set.add(childToward(t.source, t.target));
      starts.set(t.source, set);
    }
    for (const [box, set] of starts) if (set.size === 1) this.#initial.set(box, [...set][0]!);
  }

  write(): string {
    this.#body(this.#chart.root, 1);
    return `${this.#lines.join("\n")}\n`;
  }

  #line(depth: number, text: string): void {
    this.#lines.push(`${INDENT.repeat(depth)}${text}`);
  }

  /** The declarations of a box's children, then the arrows it holds. */
  #body(box: ChartState, depth: number): void {
    for (const child of box.children) this.#state(child, depth);
    for (const edge of this.#edges.get(box.path) ?? []) this.#edge(edge, box, depth);
  }

  #state(state: ChartState, depth: number): void {
    const id = this.#ids.get(state.path)!;
    const label = `"${escape(state.label)}"`;
    switch (state.shape) {
      case "end":
        return; // drawn as the box's end marker, [*]
      case "choice":
      case "fork":
      case "join":
        return this.#line(depth, `state ${id} <<${state.shape}>>`);
      case "state":
        return this.#line(depth, `state ${label} as ${id}`);
      case "final":
        this.#line(depth, `state ${label} as ${id}`);
        return this.#line(depth, `${id} --> [*]`);
      case "compound":
      case "region":
        this.#line(depth, `state ${label} as ${id} {`);
        this.#body(state, depth + 1);
        return this.#line(depth, "}");
      case "parallel":
        // Regions are Mermaid's concurrent sections: no box of their own (a box
        // inside a section breaks Mermaid's renderer, mermaid-js/mermaid#4052);
        // each section's start arrow carries the region's name instead.
        this.#line(depth, `state ${label} as ${id} {`);
        state.children.forEach((region, i) => {
          if (i > 0) this.#line(depth + 1, "--");
          if (region.children.length === 0) this.#state({ ...region, shape: "state" }, depth + 1);
          else this.#body(region, depth + 1);
        });
        this.#line(depth, "}");
        // Arrows between regions belong to no section: drawn beside the box.
        for (const edge of this.#edges.get(state.path) ?? []) this.#edge(edge, state, depth);
        return;
    }
  }

  #edge(edge: PlacedTransition, box: ChartState, depth: number): void {
    const states = this.#chart.states;
    const to = states.get(edge.to)!;
    const fromMarker = edge.from === box.path;
    let label = edge.label;
    if (fromMarker && label === "" && box.shape === "region") label = box.label;
    const target = to.shape === "end" ? "[*]" : this.#ids.get(this.#endpoint(edge.to, edge.target, true))!;
    const source = fromMarker ? "[*]" : this.#ids.get(this.#endpoint(edge.from, edge.from, false))!;
    if (source === "[*]" && target === "[*]") return;
    this.#line(depth, `${source} --> ${target}${label === "" ? "" : ` : ${escape(label)}`}`);
  }

  /**
   * The state an arrow end is drawn at. Below a parallel state, an arrow into a
   * box breaks Mermaid's renderer (mermaid-js/mermaid#4052): it points at the
   * first state inside instead (its initial state, down to an atomic one), or
   * at the real target when the arrow was lifted to the box. Regions have no
   * box in Mermaid: an arrow at one points at its initial state.
   */
  #endpoint(path: string, realTarget: string, isTarget: boolean): string {
    const state = this.#chart.states.get(path)!;
    const boxed = state.shape === "compound" || state.shape === "parallel";
    if (state.shape !== "region" && !(isTarget && boxed && this.#belowParallel(path))) return path;
    let leaf = realTarget.startsWith(`${path}.`) ? realTarget : path;
    for (let next = this.#initial.get(leaf); next !== undefined && this.#chart.states.get(next)!.shape !== "end"; next = this.#initial.get(leaf)) {
      leaf = next;
    }
    return leaf;
  }

  #belowParallel(path: string): boolean {
    const parts = path.split(".");
    for (let n = parts.length - 1; n > 0; n--) {
      if (this.#chart.states.get(parts.slice(0, n).join("."))?.shape === "parallel") return true;
    }
    return false;
  }
}

/**
 * Mermaid ends a statement at `;`, reads `<x` as HTML and `#n;` as an entity,
 * and a `"` ends a state's name: those four are written as entity codes
 * (`#59;`), which Mermaid shows as the character itself. Everything else is
 * left alone so that the text stays readable (`confidence >= 0.9`). Long labels
 * are broken into lines.
 */
function escape(text: string): string {
  return wrapLabel(text)
    .map((line) => line.replace(/[#";<]/g, (c) => `#${c.charCodeAt(0)};`))
    .join("<br/>");
}
