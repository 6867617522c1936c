// What the drawings call things: the label and shape of each state (stepchart's
// own `$` states get short readable names; unknown ones lose the `$`), and the
// label of each transition (`stepchart.done.<path>` is "done", a guard without
// a description shows its name, a timer shows its delay). Presentation only.
import type { StateConfig } from "./source.js";

/**
 * How a state is drawn: `state` (a box), `compound` (a box of boxes), `parallel`
 * (a box of regions), `region` (one region of a parallel state), `choice`,
 * `fork` and `join` (pseudo-state symbols), `end` (a final state drawn as the
 * end marker) or `final` (a named final state).
 */
export type StateShape = "state" | "compound" | "parallel" | "region" | "choice" | "fork" | "join" | "end" | "final";

/** The invoked actor of stepchart's durable timers (src/compile/timer.ts). */
export const TIMER_SRC = "stepchart.timer";

interface InternalLook {
  readonly label: string;
  /** The shape when the state is atomic (a compound state is always drawn as one). */
  readonly shape?: StateShape;
}

/** stepchart's own states (README, "Patterns and their compiled shape"). */
const INTERNAL: Readonly<Record<string, InternalLook>> = {
  $start: { label: "check input" },
  $output: { label: "check output" },
  $select: { label: "choose", shape: "choice" },
  $choose: { label: "choose route" },
  $fork: { label: "fork", shape: "fork" },
  $branches: { label: "branches" },
  $wait: { label: "wait for a slot" },
  $run: { label: "run" },
  $join: { label: "join", shape: "join" },
  $check: { label: "check failure" },
  $backoff: { label: "backoff" },
  $abort: { label: "abort" },
  $running: { label: "items" },
  $done: { label: "done", shape: "end" },
  $ok: { label: "ok", shape: "end" },
  $failed: { label: "failed" },
};

/** Where a state sits: its parent's shape, the key of its nearest ancestor not named by stepchart, whether it has children. */
export interface StatePlace {
  readonly parentShape: StateShape | undefined;
  readonly owner: string;
  readonly hasChildren: boolean;
}

/**
 * The label and shape of the state `key`.
 * @example stateLook("$select", {}, { parentShape: "compound", owner: "Route", hasChildren: false }) // { label: "choose", shape: "choice" }
 */
export function stateLook(key: string, config: StateConfig, place: StatePlace): { label: string; shape: StateShape } {
  const { parentShape, hasChildren } = place;
  const internal = INTERNAL[key];
  const label = itemsLabel(config) ?? runLabel(key, config, place) ?? internal?.label ?? (key.startsWith("$") ? key.slice(1) : key);
  if (parentShape === "parallel") return { label, shape: "region" };
  if (config.type === "parallel") return { label, shape: "parallel" };
  if (hasChildren) return { label, shape: "compound" };
  if (config.type === "final") return { label, shape: internal?.shape === "end" ? "end" : "final" };
  return { label, shape: internal?.shape === "end" ? "state" : (internal?.shape ?? "state") };
}

/**
 * `$run` holds the flow of a retry, a timeout or a parallel branch. A step
 * there (it dispatches) is labelled with its name, the nearest key not named
 * by stepchart; so is a branch's flow, after its branch.
 */
function runLabel(key: string, config: StateConfig, place: StatePlace): string | undefined {
  if (key !== "$run") return undefined;
  const dispatch = (config.meta?.stepchart as { dispatch?: unknown } | undefined)?.dispatch;
  return typeof dispatch === "string" || place.parentShape === "region" ? place.owner : undefined;
}

/** map and pipeline: `$running` carries its stages and limits in `meta.stepchart` (src/compile/items.ts). */
function itemsLabel(config: StateConfig): string | undefined {
  const meta = config.meta?.stepchart as { stages?: unknown; limits?: unknown } | undefined;
  if (!meta || !Array.isArray(meta.stages)) return undefined;
  // `limits` reads "3" or "∞ / 2": one per stage; a stage with a limit shows "≤ n" (at most n items at once).
  const limits = typeof meta.limits === "string" ? meta.limits.split(" / ") : [];
  const stages = meta.stages.map((stage, i) => (/^\d+$/.test(limits[i] ?? "") ? `${String(stage)} ≤ ${limits[i]}` : String(stage)));
  return `each item: ${stages.join(" → ")}`;
}

/**
 * An event type as a reader wants it: a step's result is "done" or "error"; other events keep their type.
 * @example eventLabel("stepchart.done.Ingest.Classify") // "done"
 */
export function eventLabel(eventType: string): string {
  if (eventType.startsWith("stepchart.done.")) return "done";
  if (eventType.startsWith("stepchart.error.")) return "error";
  const actor = /^xstate\.(done|error)\.actor\.(.+)$/.exec(eventType);
  if (actor) return `${actor[2]} ${actor[1]}`;
  return eventType === "*" ? "any event" : eventType;
}

/**
 * A transition's label: its `description` when it has one; else `base` (the
 * event, the timer) followed by its guard's name in brackets, or the guard's
 * name alone. Guard names written `<path>: <label>` lose the path.
 * @example guardedLabel({ guard: "Gather: a slot is free (< 5 running)" }, "") // "a slot is free (< 5 running)"
 */
export function guardedLabel(transition: { guard?: unknown; description?: unknown }, base: string): string {
  if (typeof transition.description === "string" && transition.description !== "") {
    return base.startsWith("timer") ? `${base}: ${transition.description}` : transition.description;
  }
  const guard = guardName(transition.guard);
  if (guard === undefined) return base;
  return base === "" ? guard : `${base} [${guard}]`;
}

function guardName(guard: unknown): string | undefined {
  const name = typeof guard === "string" ? guard : (guard as { type?: unknown } | undefined)?.type;
  if (typeof name !== "string") return guard === undefined ? undefined : "guarded";
  return name.replace(/^[^\s:]+: /, "");
}

/**
 * The label of an invoked actor's completion: "timer 2m" for stepchart's timer.
 * @example invokeDoneLabel("stepchart.timer", 120000) // "timer 2m"
 */
export function invokeDoneLabel(src: unknown, delayMs: number | undefined): string {
  if (src === TIMER_SRC) return delayMs === undefined ? "timer" : `timer ${formatDuration(delayMs)}`;
  return `${typeof src === "string" ? src : "actor"} done`;
}

/**
 * The label of an invoked actor's failure.
 * @example invokeErrorLabel("fetchQuote") // "fetchQuote error"
 */
export function invokeErrorLabel(src: unknown): string {
  return `${typeof src === "string" ? src : "actor"} error`;
}

/**
 * The delay of a state's durable timer, when the config says it: an entry
 * action whose params hold `delayMs` for the timer's key (`meta.stepchart.timer`),
 * or `meta.stepchart.delayMs`. A retry's backoff is computed at run time, so its
 * config has none.
 * @example timerDelayMs({ entry: { type: "stepchart.setDeadline", params: { key: "T", delayMs: 5000 } }, meta: { stepchart: { timer: "T" } } }) // 5000
 */
export function timerDelayMs(config: StateConfig): number | undefined {
  const meta = config.meta?.stepchart as { timer?: unknown; delayMs?: unknown } | undefined;
  if (typeof meta?.delayMs === "number") return meta.delayMs;
  const entries = Array.isArray(config.entry) ? config.entry : [config.entry];
  for (const entry of entries) {
    const params = (entry as { params?: { key?: unknown; delayMs?: unknown } } | undefined)?.params;
    if (typeof params?.delayMs === "number" && (meta?.timer === undefined || params.key === meta.timer)) return params.delayMs;
  }
  return undefined;
}

const UNITS: readonly [string, number][] = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1000],
];

/**
 * A duration in the DSL's own notation: 500 -> "500ms", 120000 -> "2m", 90000 -> "1m 30s".
 * @example formatDuration(1500) // "1.5s"
 */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of UNITS) {
    if (rest >= size) {
      const whole = Math.floor(rest / size);
      parts.push(`${whole}${unit}`);
      rest -= whole * size;
    }
  }
  if (rest > 0) {
    // Below a second left over: say it as a fraction of the last unit when that unit is seconds.
    return parts.length === 1 && parts[0]!.endsWith("s") ? `${ms / 1000}s` : `${parts.join(" ")} ${rest}ms`;
  }
  return parts.join(" ");
}

/** The longest line of a drawn label, in characters, before it wraps. */
export const LABEL_LINE_CHARS = 40;

/**
 * A label broken into lines of at most `max` characters, at spaces (a longer word keeps its line).
 * @example wrapLabel("error, a case threw, unknown route", 20) // ["error, a case threw,", "unknown route"]
 */
export function wrapLabel(text: string, max: number = LABEL_LINE_CHARS): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && [...line].length + 1 + [...word].length > max) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  if (line !== "" || lines.length === 0) lines.push(line);
  return lines;
}
