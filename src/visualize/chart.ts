// The drawable model of a machine: its state tree and its transitions, read
// generically from the state-node config (compound, parallel and final states,
// `on`, `always`, `after`, `invoke`, `onDone`), so patterns added to the
// compiler later still draw. Knows nothing of Mermaid or SVG; it never lays out.
import { DefinitionError } from "../errors.js";
import { eventLabel, formatDuration, guardedLabel, invokeDoneLabel, invokeErrorLabel, stateLook, TIMER_SRC, timerDelayMs, type StateShape } from "./labels.js";
import { machineConfigOf, type DiagramSource, type StateConfig } from "./source.js";
import { resolveTarget, targetsOf } from "./targets.js";

export type { StateShape } from "./labels.js";

/** One state of the drawing; the root (path "") is the machine itself. */
export interface ChartState {
  /** The state's path from the root, keys joined by "." ("" for the root). */
  readonly path: string;
  readonly key: string;
  readonly label: string;
  readonly shape: StateShape;
  /** A stepchart state (its key starts with `$`) that runs none of the user's code. */
  readonly internal: boolean;
  /** The state waits for something (an event, a delay, an invoked actor) instead of passing straight through. */
  readonly waits: boolean;
  readonly children: readonly ChartState[];
}

/**
 * How a transition is taken: `initial` (a compound state's start), `event`,
 * `done`/`error` (a step's result), `always` (eventless), `after` (a delay),
 * `timer` (the durable timer actor), `invoke` (another invoked actor), or
 * `complete` (a compound state reached its final state: `onDone`).
 */
export type TransitionKind = "initial" | "event" | "done" | "error" | "always" | "after" | "timer" | "invoke" | "complete";

export interface ChartTransition {
  /** The state the transition leaves (for `initial`, the compound state it starts). */
  readonly source: string;
  readonly target: string;
  readonly label: string;
  readonly kind: TransitionKind;
}

export interface Chart {
  /** The machine's id (the workflow's name). */
  readonly id: string;
  readonly root: ChartState;
  readonly states: ReadonlyMap<string, ChartState>;
  /** In config order: deterministic for a given machine. */
  readonly transitions: readonly ChartTransition[];
}

type TransitionConfig = { target?: unknown; guard?: unknown; description?: unknown };

/**
 * Reads a workflow, flow or compiled machine into a chart.
 * @example
 * const chart = readChart(compile(ingestion));
 * chart.transitions.filter((t) => t.kind === "always").map((t) => t.label); // ["input is invalid", ...]
 */
export function readChart(source: DiagramSource): Chart {
  const { id, root } = machineConfigOf(source);
  const states = new Map<string, ChartState>();
  const configs = new Map<string, StateConfig>();
  const ids = new Map<string, string>([[id, ""]]);

  function readState(config: StateConfig, path: string, key: string, parentShape: StateShape | undefined, owner: string): ChartState {
    configs.set(path, config);
    if (typeof config.id === "string" && path !== "") ids.set(config.id, path);
    const childConfigs = Object.entries(config.states ?? {});
    const look = stateLook(key, config, { parentShape, owner, hasChildren: childConfigs.length > 0 });
    const named = key.startsWith("$") ? owner : key;
    const children = childConfigs.map(([childKey, child]) => readState(child, path === "" ? childKey : `${path}.${childKey}`, childKey, look.shape, named));
    const waits = Object.keys(config.on ?? {}).length > 0 || Object.keys(config.after ?? {}).length > 0 || listOf(config.invoke).length > 0;
    const internal = key.startsWith("$") && !dispatches(config);
    const state: ChartState = { path, key, label: look.label, shape: look.shape, internal, waits, children };
    states.set(path, state);
    return state;
  }
  const rootState = readState(root, "", id, undefined, id);

  const transitions: ChartTransition[] = [];
  const resolve = (from: string, target: string) => {
    const path = resolveTarget(from, target, ids);
    if (path === undefined || !states.has(path)) {
      throw new DefinitionError(`Expected the transition target "${target}" of state "${from || id}" to name a state of machine "${id}", found none`);
    }
    return path;
  };
  const add = (source: string, raw: unknown, kind: TransitionKind, label: (t: TransitionConfig) => string) => {
    for (const item of listOf(raw)) {
      const t: TransitionConfig = typeof item === "string" ? { target: item } : (item as TransitionConfig);
      for (const target of targetsOf(t.target)) {
        transitions.push({ source, target: resolve(source, target), kind, label: label(t) });
      }
    }
  };

  for (const [path, config] of configs) {
    const state = states.get(path)!;
    if (config.initial !== undefined && state.shape !== "parallel") {
      add(path, `.${config.initial}`, "initial", () => "");
    }
    for (const [eventType, raw] of Object.entries(config.on ?? {})) {
      const base = eventLabel(eventType);
      const kind: TransitionKind = base === "done" ? "done" : base === "error" ? "error" : "event";
      add(path, raw, kind, (t) => guardedLabel(t, base));
    }
    add(path, config.always, "always", (t) => guardedLabel(t, ""));
    for (const [delay, raw] of Object.entries(config.after ?? {})) {
      add(path, raw, "after", (t) => guardedLabel(t, `after ${/^\d+$/.test(delay) ? formatDuration(Number(delay)) : delay}`));
    }
    for (const invoke of listOf(config.invoke)) {
      const { src, onDone, onError } = invoke as { src?: unknown; onDone?: unknown; onError?: unknown };
      const delayMs = timerDelayMs(config);
      const isTimer = src === TIMER_SRC;
      add(path, onDone, isTimer ? "timer" : "invoke", (t) => guardedLabel(t, invokeDoneLabel(src, delayMs)));
      add(path, onError, "invoke", (t) => guardedLabel(t, invokeErrorLabel(src)));
    }
    add(path, config.onDone, "complete", (t) => guardedLabel(t, ""));
  }
  return { id, root: rootState, states, transitions };
}

function listOf(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** The state runs user code: a step or a route's chooser (`meta.stepchart.dispatch`, src/compile/step.ts). */
function dispatches(config: StateConfig): boolean {
  return typeof (config.meta?.stepchart as { dispatch?: unknown } | undefined)?.dispatch === "string";
}
