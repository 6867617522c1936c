// Durations: the public API takes a number (ms) or "500ms" | "30s" | "5m" |
// "2h" | "1d"; they are converted once, here, at the DSL boundary. Inside,
// every duration is a number of milliseconds with an `…Ms` name.
import { DefinitionError } from "../errors.js";
import { describe } from "./flow.js";

/** A number of milliseconds, or a string such as "500ms", "30s", "5m", "2h", "1d". */
export type Duration = number | `${number}${"ms" | "s" | "m" | "h" | "d"}`;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/**
 * Converts a Duration to milliseconds; `what` names the option in the error.
 * @example toMs("1.5s", "timeout") // 1500
 */
export function toMs(duration: unknown, what: string): number {
  if (typeof duration === "number") {
    if (Number.isFinite(duration) && duration >= 0) return duration;
  } else if (typeof duration === "string") {
    const match = PATTERN.exec(duration.trim());
    if (match) return Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
  }
  throw new DefinitionError(
    `Expected ${what} to be a duration (milliseconds >= 0, or a string like "500ms", "30s", "5m", "2h", "1d"), got ${describe(duration)}`,
  );
}
