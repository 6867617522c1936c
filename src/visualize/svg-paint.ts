// Paints a laid-out chart as SVG markup: boxes, symbols, arrows and labels at
// the positions ELK chose. Owns the look (colours, strokes, markers) and the
// XML escaping; it never moves anything.
import type { Chart, ChartState } from "./chart.js";
import { FONT_FAMILY, FONT_SIZE, LINE_HEIGHT, round, textBox } from "./svg-text.js";

export interface LaidOutNode {
  readonly id: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface LaidOutEdge {
  readonly source: string;
  readonly target: string;
  readonly kind: string;
  readonly points: readonly { x: number; y: number }[];
  readonly label?: { text: string; x: number; y: number; width: number; height: number };
}

const INK = "#24292f";
const MUTED = "#57606a";
const FAILURE = "#cf222e";

/**
 * The SVG document of a chart whose nodes and edges have absolute positions.
 * @example paintSvg(chart, nodes, edges).startsWith("<svg") // true
 */
export function paintSvg(chart: Chart, nodes: ReadonlyMap<string, LaidOutNode>, edges: readonly LaidOutEdge[]): string {
  const root = nodes.get("root")!;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${round(root.width)}" height="${round(root.height)}" viewBox="0 0 ${round(root.width)} ${round(root.height)}" font-family="${FONT_FAMILY}" font-size="${FONT_SIZE}">`,
    `<title>${xml(chart.id)}</title>`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${MUTED}"/></marker>` +
      `<marker id="arrow-failure" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${FAILURE}"/></marker></defs>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
  ];
  const paintState = (state: ChartState) => {
    if (state.path !== "") out.push(stateMarkup(state, nodes.get(`n:${state.path}`)!));
    const start = nodes.get(`i:${state.path}`);
    if (start) out.push(`<circle class="initial" cx="${round(start.x + start.width / 2)}" cy="${round(start.y + start.height / 2)}" r="${round(start.width / 2)}" fill="${INK}"/>`);
    state.children.forEach(paintState);
  };
  paintState(chart.root);
  for (const edge of edges) out.push(edgeMarkup(edge, isFailure(chart, edge)));
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}

function stateMarkup(state: ChartState, n: LaidOutNode): string {
  const open = `<g class="state ${state.shape}" data-path="${xml(state.path)}">`;
  const cx = round(n.x + n.width / 2);
  const cy = round(n.y + n.height / 2);
  switch (state.shape) {
    case "end":
      return `${open}${ring(cx, cy, n.width / 2)}</g>`;
    case "final": {
      const r = 11;
      return `${open}${ring(cx, n.y + r, r)}${text(state.label, cx, n.y + 2 * r + 2, "middle", MUTED)}</g>`;
    }
    case "choice":
      return `${open}<path d="M${cx},${round(n.y)} L${round(n.x + n.width)},${cy} L${cx},${round(n.y + n.height)} L${round(n.x)},${cy} Z" fill="#ffffff" stroke="${INK}" stroke-width="1.5"><title>${xml(state.label)}</title></path></g>`;
    case "fork":
    case "join":
      return `${open}<rect x="${round(n.x)}" y="${round(n.y)}" width="${round(n.width)}" height="${round(n.height)}" rx="2" fill="${INK}"><title>${xml(state.label)}</title></rect></g>`;
    case "compound":
    case "parallel":
    case "region": {
      const dashed = state.shape === "region" ? ` stroke-dasharray="6 4"` : "";
      const fill = state.shape === "region" ? "none" : state.internal ? "#f6f8fa" : "#ffffff";
      return (
        `${open}<rect x="${round(n.x)}" y="${round(n.y)}" width="${round(n.width)}" height="${round(n.height)}" rx="10" fill="${fill}" stroke="${MUTED}" stroke-width="1.2"${dashed}/>` +
        `${text(state.label, n.x + 12, n.y + 8, "start", state.internal || state.shape === "region" ? MUTED : INK, true)}</g>`
      );
    }
    case "state": {
      const fill = state.internal ? "#f6f8fa" : "#ddf4ff";
      const stroke = state.internal ? "#8c959f" : "#0969da";
      const box = textBox(state.label, 0);
      return (
        `${open}<rect x="${round(n.x)}" y="${round(n.y)}" width="${round(n.width)}" height="${round(n.height)}" rx="8" fill="${fill}" stroke="${stroke}" stroke-width="1.2"/>` +
        `${text(state.label, cx, cy - box.height / 2, "middle", state.internal ? MUTED : INK)}</g>`
      );
    }
  }
}

function edgeMarkup(edge: LaidOutEdge, failure: boolean): string {
  const colour = failure ? FAILURE : MUTED;
  const d = edge.points.map((p, i) => `${i === 0 ? "M" : "L"}${round(p.x)},${round(p.y)}`).join(" ");
  const parts = [`<g class="transition ${edge.kind}">`, `<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.3" marker-end="url(#${failure ? "arrow-failure" : "arrow"})"/>`];
  if (edge.label) {
    const { x, y, width, height } = edge.label;
    parts.push(`<rect x="${round(x - 2)}" y="${round(y)}" width="${round(width + 4)}" height="${round(height)}" fill="#ffffff" fill-opacity="0.85"/>`);
    parts.push(text(edge.label.text, x + width / 2, y, "middle", failure ? FAILURE : INK));
  }
  parts.push("</g>");
  return parts.join("");
}

/** Arrows into a final state that is not a plain end (a workflow's `$failed`), and step errors, are failures. */
function isFailure(chart: Chart, edge: LaidOutEdge): boolean {
  if (edge.kind === "error") return true;
  const target = chart.states.get(edge.target.slice(2));
  return target?.shape === "final";
}

function ring(cx: number, cy: number, r: number): string {
  return `<circle cx="${round(cx)}" cy="${round(cy)}" r="${round(r)}" fill="#ffffff" stroke="${INK}" stroke-width="1.5"/><circle cx="${round(cx)}" cy="${round(cy)}" r="${round(r - 5)}" fill="${INK}"/>`;
}

/** Text whose first line's top is at `top`; wrapped lines as tspans. */
function text(label: string, x: number, top: number, anchor: "start" | "middle", fill: string, bold = false): string {
  const { lines } = textBox(label, 0);
  const weight = bold ? ` font-weight="600"` : "";
  const spans = lines.map((line, i) => `<tspan x="${round(x)}" y="${round(top + (i + 1) * LINE_HEIGHT - 4)}">${xml(line)}</tspan>`).join("");
  return `<text text-anchor="${anchor}" fill="${fill}"${weight}>${spans}</text>`;
}

function xml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
