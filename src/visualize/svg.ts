// toSvg(): a workflow or compiled machine as a standalone SVG picture, laid out
// offline by ELK's layered algorithm (elkjs, pure JavaScript) with the state
// tree as nested boxes. Owns the layout options and the painting; the states
// and arrows come from the chart (the same ones toMermaid draws).
import ELK, { type ElkExtendedEdge, type ElkNode } from "elkjs/lib/elk.bundled.js";
import { chartToDraw, type DiagramOptions } from "./diagram-options.js";
import type { Chart, ChartState } from "./chart.js";
import { placeTransitions } from "./placement.js";
import type { DiagramSource } from "./source.js";
import { paintSvg, type LaidOutEdge, type LaidOutNode } from "./svg-paint.js";
import { textBox } from "./svg-text.js";

const BOXED = new Set(["compound", "parallel", "region"]);

/** The size of each kind of symbol, in px (labelled states are sized by their text). */
const SYMBOL = {
  initial: { width: 14, height: 14 },
  end: { width: 22, height: 22 },
  choice: { width: 24, height: 24 },
  bar: { width: 72, height: 8 },
} as const;

const LAYOUT = {
  "elk.algorithm": "layered",
  "elk.direction": "DOWN",
  "elk.hierarchyHandling": "INCLUDE_CHILDREN",
  "elk.edgeRouting": "ORTHOGONAL",
  "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
  "elk.layered.spacing.nodeNodeBetweenLayers": "30",
  "elk.spacing.nodeNode": "24",
  "elk.spacing.edgeLabel": "4",
  "elk.layered.spacing.edgeNodeBetweenLayers": "14",
  "elk.padding": "[top=16,left=16,bottom=16,right=16]",
};

/**
 * Draws a workflow, any flow or a compiled machine as an SVG picture: rounded
 * boxes for states, nested boxes for compound states, dashed boxes side by side
 * for the regions of a parallel state, a filled dot where a box starts, a ringed
 * dot for a final state, arrows labelled as in {@link toMermaid}. Works offline,
 * without a browser; the same machine gives the same bytes.
 * @example
 * writeFileSync("ingestion.svg", await toSvg(ingestion));
 */
export async function toSvg(source: DiagramSource, options: DiagramOptions = {}): Promise<string> {
  const chart = chartToDraw(source, options);
  const { graph, kinds } = buildGraph(chart);
  // elkjs is CommonJS: Node hands over `module.exports`, TypeScript sees its `default` (the same class).
  const laidOut = await new ELK.default().layout(graph);
  return paintSvg(chart, collectNodes(laidOut), collectEdges(laidOut, kinds));
}

function nodeId(path: string): string {
  return `n:${path}`;
}

function initialId(path: string): string {
  return `i:${path}`;
}

/** The ELK graph of a chart, and the kind of each edge by its id. */
function buildGraph(chart: Chart): { graph: ElkNode; kinds: Map<string, string> } {
  const edgesOf = new Map<string, ElkExtendedEdge[]>();
  const kinds = new Map<string, string>();
  const starts = new Set<string>();
  placeTransitions(chart).forEach((t, i) => {
    const fromStart = t.from === t.container;
    if (fromStart) starts.add(t.container);
    const labelBox = textBox(t.label, 0);
    const edge: ElkExtendedEdge = {
      id: `e${i}`,
      sources: [fromStart ? initialId(t.container) : nodeId(t.from)],
      targets: [nodeId(t.to)],
      labels: t.label === "" ? [] : [{ id: `e${i}:label`, text: t.label, width: labelBox.width, height: labelBox.height }],
    };
    kinds.set(edge.id, t.kind);
    const list = edgesOf.get(t.container) ?? [];
    list.push(edge);
    edgesOf.set(t.container, list);
  });

  const build = (state: ChartState): ElkNode => {
    const id = state.path === "" ? "root" : nodeId(state.path);
    if (!BOXED.has(state.shape) && state.path !== "") return { id, ...symbolSize(state) };
    const children = state.children.map(build);
    if (starts.has(state.path)) children.unshift({ id: initialId(state.path), ...SYMBOL.initial });
    const node: ElkNode = { id, children, edges: edgesOf.get(state.path) ?? [] };
    if (state.path === "") return { ...node, layoutOptions: LAYOUT };
    const title = textBox(state.label, 0);
    return {
      ...node,
      layoutOptions: {
        "elk.padding": "[top=34,left=14,bottom=14,right=14]",
        "elk.nodeSize.constraints": "MINIMUM_SIZE",
        "elk.nodeSize.minimum": `(${title.width + 28}, 48)`,
      },
    };
  };
  return { graph: build(chart.root), kinds };
}

function symbolSize(state: ChartState): { width: number; height: number } {
  switch (state.shape) {
    case "end":
      return SYMBOL.end;
    case "choice":
      return SYMBOL.choice;
    case "fork":
    case "join":
      return SYMBOL.bar;
    case "final": {
      const text = textBox(state.label, 0);
      return { width: Math.max(SYMBOL.end.width, text.width), height: SYMBOL.end.height + text.height };
    }
    default: {
      const text = textBox(state.label, 0);
      return { width: Math.max(64, text.width + 24), height: Math.max(34, text.height + 16) };
    }
  }
}

/** Every node with its absolute position, outer boxes first. */
function collectNodes(root: ElkNode): Map<string, LaidOutNode> {
  const nodes = new Map<string, LaidOutNode>();
  const visit = (node: ElkNode, dx: number, dy: number) => {
    const x = dx + (node.x ?? 0);
    const y = dy + (node.y ?? 0);
    nodes.set(node.id, { id: node.id, x, y, width: node.width ?? 0, height: node.height ?? 0 });
    for (const child of node.children ?? []) visit(child, x, y);
  };
  visit(root, 0, 0);
  return nodes;
}

/** Every edge with absolute points: ELK gives them relative to the edge's container. */
function collectEdges(root: ElkNode, kinds: ReadonlyMap<string, string>): LaidOutEdge[] {
  const offsets = new Map<string, { x: number; y: number }>();
  const edges: { edge: ElkExtendedEdge; owner: string }[] = [];
  const visit = (node: ElkNode, dx: number, dy: number) => {
    const x = dx + (node.x ?? 0);
    const y = dy + (node.y ?? 0);
    offsets.set(node.id, { x, y });
    for (const edge of node.edges ?? []) edges.push({ edge, owner: node.id });
    for (const child of node.children ?? []) visit(child, x, y);
  };
  visit(root, 0, 0);
  return edges.map(({ edge, owner }) => {
    const container = (edge as { container?: string }).container ?? owner;
    const { x: ox, y: oy } = offsets.get(container) ?? { x: 0, y: 0 };
    const points = (edge.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]).map((p) => ({ x: p.x + ox, y: p.y + oy }));
    const label = edge.labels?.[0];
    return {
      source: edge.sources[0]!,
      target: edge.targets[0]!,
      kind: kinds.get(edge.id) ?? "event",
      points,
      ...(label?.text === undefined
        ? {}
        : { label: { text: label.text, x: (label.x ?? 0) + ox, y: (label.y ?? 0) + oy, width: label.width ?? 0, height: label.height ?? 0 } }),
    };
  });
}
