// The timeline of a run, rebuilt from its journal: starting from a persisted
// snapshot taken at a known time, each journal entry's patch is applied in
// order at its time `at`, and every state (of the run and of its child
// machines: map items, child workflows, compensations) gets the spans of time
// it was active. Pure: it reads a machine's config and JSON data, never a store.
// Its resolution is the engine's commit: states entered and left within one
// commit (pass-through states) do not appear; a step's state always does,
// because a step starts only once the state that dispatched it is committed.
import { apply, type Op } from "../engine/patch.js";
import { readChart } from "../visualize/chart.js";
import type { StateConfig } from "../visualize/source.js";

/** What a row of the timeline shows. */
export type RowKind =
  | "block" // a sequence, parallel, choose… (a box in the diagram)
  | "step" // a step (or a route's chooser) running user code
  | "wait" // waiting for an event
  | "sleep" // a durable timer: sleep
  | "backoff" // a retry waiting before its next attempt
  | "escalated" // a step parked for an operator
  | "compensation" // a saga's or a cancellation's compensations, or one compensation machine
  | "items" // a map or pipeline running its items
  | "child" // a child machine: a map item or a child workflow
  | "state" // any other state of the user's
  | "end"; // the run's final state (done, failed, cancelled)

/** A stretch of time during which a state was active; `end` is null while it still is. */
export interface Span {
  start: number;
  end: number | null;
}

export interface TimelineRow {
  /** Unique in the timeline: the state path, or `<child id>/<path>` inside a child machine. */
  id: string;
  /** The state path in its machine's diagram ("" for a child machine's own row). */
  path: string;
  label: string;
  kind: RowKind;
  /** How many shown rows contain this one. */
  depth: number;
  /** In time order; a step with several spans was retried (or re-entered). */
  spans: Span[];
  /** A step whose result came from the step cache: its key and the run that computed it. */
  cached?: { key: string; from: string; at: number };
}

export interface Timeline {
  /** When the first state shown became active. */
  start: number;
  /** The last journal entry's time for an ended run, else `now`. */
  end: number;
  rows: TimelineRow[];
}

/** The parts of a machine the timeline reads: its config, and its registered actors to describe child machines. */
export interface TimelineMachine {
  readonly config: object;
  readonly implementations?: { readonly actors?: Readonly<Record<string, unknown>> };
}

export interface TimelineSource {
  /** The machine of the run's workflow. */
  machine: TimelineMachine;
  /** A persisted snapshot of the run (JSON data; it is copied, not changed). */
  snapshot: unknown;
  /** When `snapshot` was the run's state. */
  at: number;
  /** The journal entries after `snapshot`, in order. */
  journal: readonly { at: number; ops: string }[];
  /** Whether the run has ended (then nothing is open at the end). */
  ended: boolean;
  /** The time to draw open spans up to. */
  now: number;
}

interface StateInfo {
  path: string;
  label: string;
  /** Undefined: not shown (stepchart's pass-through and bookkeeping states). */
  kind: RowKind | undefined;
  order: number;
}

interface MachineIndex {
  states: Map<string, StateInfo>;
  actors: Readonly<Record<string, unknown>>;
}

const indexes = new WeakMap<object, MachineIndex>();

/** Which states of a machine the timeline shows, with their labels (the diagram's) and kinds. */
function indexOf(machine: TimelineMachine): MachineIndex {
  const cached = indexes.get(machine);
  if (cached) return cached;
  const chart = readChart(machine);
  const states = new Map<string, StateInfo>();
  let order = 0;
  const walk = (config: StateConfig, path: string, key: string) => {
    const children = Object.entries(config.states ?? {});
    const chartState = chart.states.get(path);
    const wait = (config.meta?.stepchart as { wait?: { event?: unknown } } | undefined)?.wait;
    const label = typeof wait?.event === "string" ? `waiting for ${wait.event}` : (chartState?.label ?? key);
    if (path !== "") states.set(path, { path, label, kind: kindOf(config, path, key, children.length > 0), order: order++ });
    for (const [childKey, child] of children) walk(child, path === "" ? childKey : `${path}.${childKey}`, childKey);
  };
  walk(machine.config as StateConfig, "", "");
  const index = { states, actors: machine.implementations?.actors ?? {} };
  indexes.set(machine, index);
  return index;
}

function kindOf(config: StateConfig, path: string, key: string, compound: boolean): RowKind | undefined {
  const meta = (config.meta?.stepchart ?? {}) as Record<string, unknown>;
  if (typeof meta.dispatch === "string") return "step";
  if (meta.wait !== undefined) return "wait";
  if (meta.escalated !== undefined) return "escalated";
  if (meta.compensating !== undefined) return "compensation";
  if (meta.items !== undefined) return "items";
  if (meta.child !== undefined) return "child";
  if (meta.timer !== undefined && !compound) return key === "$backoff" ? "backoff" : "sleep";
  if (config.type === "final") return path.includes(".") ? undefined : "end";
  if (key.startsWith("$")) return undefined;
  return compound || config.type === "parallel" ? "block" : "state";
}

/** Every active state path of a state value, ancestors included. */
export function activePaths(value: unknown, prefix = ""): string[] {
  if (typeof value === "string") return [prefix === "" ? value : `${prefix}.${value}`];
  if (typeof value !== "object" || value === null) return [];
  const paths: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    paths.push(path, ...activePaths(child, path));
  }
  return paths;
}

interface Persisted {
  status?: string;
  value?: unknown;
  context?: { prefix?: string; cached?: Record<string, NonNullable<TimelineRow["cached"]>> };
  children?: Record<string, { snapshot?: Persisted; src?: unknown } | undefined>;
}

/** A row that is active now, with what is needed to create it the first time. */
interface Live {
  id: string;
  path: string;
  label: string;
  kind: RowKind;
  /** The row that holds it: its parent state's row, or for a child machine the row of the state that started it. */
  owner: string | undefined;
  order: number;
}

/** The rows active in a persisted snapshot of `machine`; ids of child machines' rows start with `scope`. */
function activeRows(
  machine: TimelineMachine,
  snapshot: Persisted,
  scope: string,
  owner: string | undefined,
  into: Map<string, Live>,
  cached: Map<string, NonNullable<TimelineRow["cached"]>>,
): void {
  const index = indexOf(machine);
  for (const [path, note] of Object.entries(snapshot.context?.cached ?? {})) cached.set(scope + path, note);
  const shown = activePaths(snapshot.value)
    .map((path) => index.states.get(path))
    .filter((s): s is StateInfo & { kind: RowKind } => s?.kind !== undefined);
  const ownerOf = (path: string): string | undefined => {
    for (let p = parentPath(path); p !== undefined; p = parentPath(p)) if (index.states.get(p)?.kind !== undefined) return scope + p;
    return owner;
  };
  for (const s of shown) into.set(scope + s.path, { id: scope + s.path, path: s.path, label: s.label, kind: s.kind, owner: ownerOf(s.path), order: s.order });
  for (const [childId, entry] of Object.entries(snapshot.children ?? {})) {
    const child = entry?.snapshot;
    // Timers and other non-machine children have no state value.
    if (!child || child.value === undefined || child.status !== "active") continue;
    const src = typeof entry.src === "string" ? entry.src : "";
    const logic = index.actors[src] as TimelineMachine | undefined;
    const id = `${scope}${childId}/`;
    const compensation = src.startsWith("stepchart.undo");
    // A compensation belongs to the compensating state that spawned it; any other child to the deepest
    // shown state whose path its id starts with (ids are built from the owner's path).
    const deepest = (list: StateInfo[]) => list.sort((a, b) => b.path.length - a.path.length)[0];
    const holder =
      (compensation ? deepest(shown.filter((s) => s.kind === "compensation")) : undefined) ?? deepest(shown.filter((s) => childId.startsWith(`${s.path}.`)));
    const childOwner = holder ? scope + holder.path : owner;
    const prefix = child.context?.prefix || childId;
    into.set(id, { id, path: "", label: compensation ? `undo ${prefix}` : prefix, kind: compensation ? "compensation" : "child", owner: childOwner, order: Number.MAX_SAFE_INTEGER });
    if (logic && typeof logic === "object" && typeof logic.config === "object") activeRows(logic, child, id, id, into, cached);
  }
}

function parentPath(path: string): string | undefined {
  const dot = path.lastIndexOf(".");
  return dot < 0 ? undefined : path.slice(0, dot);
}

/**
 * The timeline of a run: which states were active when, from a snapshot and the journal after it.
 * @example
 * const { rows } = reconstructTimeline({ machine: compile(wf), snapshot: initial, at: run.createdAt, journal, ended: true, now: Date.now() });
 * rows.find((r) => r.kind === "step")?.spans // [{ start, end }]
 */
export function reconstructTimeline(source: TimelineSource): Timeline & { snapshot: unknown } {
  const { machine } = source;
  let doc: unknown = structuredClone(source.snapshot);
  const rows = new Map<string, TimelineRow & { owner: string | undefined; order: number }>();
  let open = new Map<string, Live>();
  const step = (at: number) => {
    const next = new Map<string, Live>();
    const cached = new Map<string, NonNullable<TimelineRow["cached"]>>();
    activeRows(machine, doc as Persisted, "", undefined, next, cached);
    for (const [id, row] of open) if (!next.has(id)) rows.get(id)!.spans.at(-1)!.end = at;
    for (const [id, live] of next) {
      if (open.has(id)) continue;
      let row = rows.get(id);
      if (!row) {
        row = { id, path: live.path, label: live.label, kind: live.kind, depth: 0, spans: [], owner: live.owner, order: live.order };
        rows.set(id, row);
      }
      row.spans.push({ start: at, end: null });
    }
    for (const [id, note] of cached) {
      const row = rows.get(id);
      if (row) row.cached = note;
    }
    open = next;
  };
  step(source.at);
  let last = source.at;
  for (const entry of source.journal) {
    doc = apply(doc, JSON.parse(entry.ops) as Op[]);
    step(entry.at);
    last = entry.at;
  }
  if (source.ended) for (const id of open.keys()) rows.get(id)!.spans.at(-1)!.end = last;
  return { start: source.at, end: source.ended ? last : Math.max(last, source.now), rows: ordered(rows), snapshot: doc };
}

/** Rows in diagram order, each followed by the rows it holds (child machines after their owner's own states). */
function ordered(rows: Map<string, TimelineRow & { owner: string | undefined; order: number }>): TimelineRow[] {
  const byOwner = new Map<string | undefined, (TimelineRow & { owner: string | undefined; order: number })[]>();
  for (const row of rows.values()) {
    const owner = row.owner !== undefined && rows.has(row.owner) ? row.owner : undefined;
    const list = byOwner.get(owner) ?? [];
    list.push(row);
    byOwner.set(owner, list);
  }
  const out: TimelineRow[] = [];
  const visit = (owner: string | undefined, depth: number) => {
    const list = (byOwner.get(owner) ?? []).sort((a, b) => a.order - b.order || a.spans[0]!.start - b.spans[0]!.start || a.id.localeCompare(b.id));
    for (const { owner: _owner, order: _order, ...row } of list) {
      out.push({ ...row, depth });
      visit(row.id, depth + 1);
    }
  };
  visit(undefined, 0);
  return out;
}
