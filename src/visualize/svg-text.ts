// Text in the SVG pictures: one monospace font at one size, so that a label's
// size is known without a browser (the layout needs it before anything is
// painted). Owns the font metrics and nothing else.
import { wrapLabel } from "./labels.js";

export const FONT_SIZE = 12;
export const FONT_FAMILY = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace";
/** A monospace glyph is 0.6em wide in the fonts above; a little more keeps text inside its box. */
const CHAR_WIDTH = FONT_SIZE * 0.62;
export const LINE_HEIGHT = 15;

/**
 * The lines of a label and the box they need, with `padding` px on each side.
 * @example textBox("ClassifyDocument", 0) // { lines: ["ClassifyDocument"], width: 119.04, height: 15 }
 */
export function textBox(text: string, padding: number): { lines: string[]; width: number; height: number } {
  const lines = wrapLabel(text);
  const longest = Math.max(...lines.map((l) => [...l].length));
  return { lines, width: round(longest * CHAR_WIDTH + 2 * padding), height: lines.length * LINE_HEIGHT + 2 * padding };
}

/**
 * Coordinates with at most two decimals: the same layout always prints the same digits.
 * @example round(10.4567) // 10.46
 */
export function round(n: number): number {
  return Math.round(n * 100) / 100;
}
