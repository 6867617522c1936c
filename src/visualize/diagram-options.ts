// The options every diagram takes, and the chart a diagram draws from them.
// Shared by the Mermaid and the SVG writers so that both draw the same states.
import { readChart, type Chart } from "./chart.js";
import { hideInternal } from "./hide-internal.js";
import type { DiagramSource } from "./source.js";

export interface DiagramOptions {
  /**
   * Draw stepchart's own pass-through states (`$start`, `$select`, `$fork`,
   * `$join`, `$wait`, `$check`…), as the compiled machine has them. With
   * `false` they are left out and the arrows through them joined; states that
   * wait for something (a step, a timer, items) are always drawn.
   * @default true
   */
  internal?: boolean;
}

/**
 * The chart a diagram of `source` draws with `options`.
 * @example chartToDraw(ingestion, { internal: false }).states.size
 */
export function chartToDraw(source: DiagramSource, options: DiagramOptions = {}): Chart {
  const chart = readChart(source);
  return options.internal === false ? hideInternal(chart) : chart;
}
