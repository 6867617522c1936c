// The run viewer's JSON API, independent of HTTP: lists runs, describes one
// run (status, active states, timeline, error, the events it accepts), draws
// its workflow, and sends signals and cancellations through the engine. Reads
// come from the store, so runs of other processes show too; every change goes
// through `engine.signal` / `engine.cancel`, never straight to the store.
import { createActor } from "xstate";
import type { Clock } from "../clock.js";
import { systemClock } from "../clock.js";
import type { Engine } from "../engine/engine.js";
import { apply, type Op } from "../engine/patch.js";
import type { Flow } from "../dsl/flow.js";
import type { SerializedError, ValidationIssue } from "../errors.js";
import { FINAL_STATUSES, type RunRecord, type RunStatus, type Store } from "../store/store.js";
import { eventActions, type EventAction } from "./event-actions.js";
import { activePaths, reconstructTimeline, type Timeline } from "./timeline.js";
import { WorkflowCatalog, type DefinitionMatch } from "./workflow-catalog.js";

export const RUN_STATUSES: readonly RunStatus[] = ["running", "waiting", "escalated", "done", "failed", "cancelled"];

/** An error as the page shows it: no stack traces, causes as a chain. */
export interface ErrorView {
  name: string;
  message: string;
  category?: string;
  code?: string;
  /** The failed step's path (WorkflowFailed). */
  step?: string;
  /** What compensation did (WorkflowFailed). */
  compensation?: { ran: string[]; failed: string[] };
  issues?: ValidationIssue[];
  cause?: ErrorView;
}

export interface RunSummary {
  runId: string;
  workflow: string;
  version: string;
  status: RunStatus;
  waitingFor: string[];
  wakeAt: number | null;
  createdAt: number;
  updatedAt: number;
  error?: ErrorView;
}

export interface RunDetail extends RunSummary {
  input: unknown;
  output?: unknown;
  /** The number of the run's last journal entry: it changes whenever the run does. */
  seq: number;
  /** Every active state path of the run's root machine (ancestors included), as the diagram names them. */
  active: string[];
  /** Steps parked for an operator, with the error that parked them. */
  parked: { path: string; error: ErrorView }[];
  /** What the page can send to the run now; empty once it has ended or while its state cannot be read. */
  actions: EventAction[];
  /** Whether the run can be cancelled. */
  cancellable: boolean;
  /** The run's states over time; undefined when its workflow is not registered with the viewer. */
  timeline?: Timeline & { from: "start" | "snapshot" };
  /** Whether a diagram can be drawn, and from which version of the workflow. */
  diagram: { available: boolean; version?: string; exact?: boolean };
  /** Why something is missing or approximate (for people). */
  notes: string[];
}

export interface ListFilter {
  status?: RunStatus;
  /** @default 200 */
  limit?: number;
}

export interface RunApiOptions {
  engine: Engine;
  /** The engine's store, read directly for the journal and snapshots. */
  store: Store;
  /** The workflows the engine was created with. */
  workflows: readonly Flow[];
  /** @default the system clock */
  clock?: Clock;
}

export interface RunApi {
  list(filter?: ListFilter): Promise<RunSummary[]>;
  detail(runId: string): Promise<RunDetail | undefined>;
  /** The SVG of the run's workflow, or undefined when the run or its workflow is unknown. */
  diagram(runId: string): Promise<string | undefined>;
  /** Sends an event through the engine; throws the engine's ValidationError when the run does not take it. */
  signal(runId: string, event: { type: string } & Record<string, unknown>): Promise<RunDetail>;
  cancel(runId: string): Promise<RunDetail>;
  /** A short text that changes whenever the list of runs (or the run `runId`) changes: for live updates. */
  version(runId?: string): Promise<{ list: string; run: string }>;
}

/** How many runs the list reads from the store (it has no order or offset: newest first is sorted here). */
const LIST_SCAN = 5000;

/**
 * The API of the run viewer over an engine and its store.
 * @example
 * const api = createRunApi({ engine, store, workflows: [approvalRouting] });
 * (await api.detail("exp-1"))?.actions.map((a) => a.type) // ["DECIDE"]
 */
export function createRunApi(options: RunApiOptions): RunApi {
  const { engine, store } = options;
  const clock = options.clock ?? systemClock;
  const catalog = new WorkflowCatalog(options.workflows);

  async function list(filter: ListFilter = {}): Promise<RunSummary[]> {
    const records = await store.listRuns({ ...(filter.status ? { status: filter.status } : {}), limit: LIST_SCAN });
    return records
      .sort((a, b) => b.updatedAt - a.updatedAt || b.createdAt - a.createdAt || (a.runId < b.runId ? -1 : 1))
      .slice(0, filter.limit ?? 200)
      .map(summaryOf);
  }

  async function detail(runId: string): Promise<RunDetail | undefined> {
    const loaded = await store.loadRun(runId);
    if (!loaded) return undefined;
    const { run } = loaded;
    const notes: string[] = [];
    const match = catalog.forRun(run);
    if (!match) notes.push(`Workflow "${run.workflow}" is not registered with this viewer (see --workflows): no diagram, timeline or event templates.`);
    else if (!match.exact) notes.push(`The run started under a definition of "${run.workflow}" this viewer does not have; drawn with version ${match.definition.version}.`);

    let current: { value?: unknown; context?: { errors?: Record<string, { path: string; error: SerializedError }> } } | undefined;
    try {
      current = rebuild(loaded.snapshot?.data, loaded.journal) as typeof current;
    } catch {
      notes.push("The run's stored state cannot be read.");
    }
    const seq = loaded.journal.at(-1)?.seq ?? loaded.snapshot?.seq ?? 0;
    const timeline = match ? await timelineOf(run, match, current, notes) : undefined;
    const final = FINAL_STATUSES.includes(run.status);
    const waiting = JSON.parse(run.waitingFor) as string[];
    return {
      ...summaryOf(run),
      input: JSON.parse(run.input),
      ...(run.output !== null ? { output: JSON.parse(run.output) } : {}),
      seq,
      active: current ? activePaths(current.value) : [],
      parked: run.status === "escalated" ? Object.values(current?.context?.errors ?? {}).map((f) => ({ path: f.path, error: errorView(f.error) })) : [],
      actions: final || !current ? [] : eventActions(waiting, match?.exact ? match.definition.machine : undefined, current),
      cancellable: !final,
      ...(timeline ? { timeline } : {}),
      diagram: match ? { available: true, version: match.definition.version, exact: match.exact } : { available: false },
      notes,
    };
  }

  /** From the run's start when its definition is known exactly and the replay agrees with the store; else from its latest snapshot. */
  async function timelineOf(run: RunRecord, match: DefinitionMatch, current: { value?: unknown } | undefined, notes: string[]) {
    const journal = await store.journal(run.runId);
    const ended = FINAL_STATUSES.includes(run.status);
    const now = clock.now();
    const machine = match.definition.machine;
    if (match.exact && current) {
      try {
        const initial = createActor(machine as never, { input: JSON.parse(run.input), id: run.runId }).getPersistedSnapshot();
        const timeline = reconstructTimeline({ machine, snapshot: initial, at: run.createdAt, journal, ended, now });
        if (JSON.stringify((timeline.snapshot as { value?: unknown }).value) === JSON.stringify(current.value)) {
          const { snapshot: _snapshot, ...rest } = timeline;
          return { ...rest, from: "start" as const };
        }
      } catch {
        // fall through: the replay does not fit this run's journal
      }
    }
    const loaded = await store.loadRun(run.runId);
    if (!loaded?.snapshot) return undefined;
    const base = loaded.snapshot;
    const at = base.seq === 0 ? run.createdAt : (journal.find((e) => e.seq === base.seq)?.at ?? run.createdAt);
    try {
      const { snapshot: _snapshot, ...rest } = reconstructTimeline({ machine, snapshot: JSON.parse(base.data), at, journal: loaded.journal, ended, now });
      if (base.seq > 0) notes.push("The timeline starts at the run's latest stored snapshot: its start could not be replayed with the registered workflow.");
      return { ...rest, from: "snapshot" as const };
    } catch {
      notes.push("The run's timeline cannot be rebuilt from its journal.");
      return undefined;
    }
  }

  async function diagram(runId: string): Promise<string | undefined> {
    const run = await store.getRun(runId);
    const match = run && catalog.forRun(run);
    return match ? catalog.diagram(match.definition) : undefined;
  }

  async function signal(runId: string, event: { type: string } & Record<string, unknown>): Promise<RunDetail> {
    await engine.signal(runId, event);
    return (await detail(runId))!;
  }

  async function cancel(runId: string): Promise<RunDetail> {
    await engine.cancel(runId);
    return (await detail(runId))!;
  }

  async function version(runId?: string): Promise<{ list: string; run: string }> {
    const records = await store.listRuns({ limit: LIST_SCAN });
    const list = records.map((r) => `${r.runId}\u0000${r.status}\u0000${r.updatedAt}`).join("\u0001");
    let run = "";
    if (runId !== undefined) {
      const loaded = await store.loadRun(runId);
      run = loaded ? `${loaded.run.status}:${loaded.journal.at(-1)?.seq ?? loaded.snapshot?.seq ?? 0}` : "missing";
    }
    return { list: `${records.length}:${hashText(list)}`, run };
  }

  return { list, detail, diagram, signal, cancel, version };
}

function summaryOf(run: RunRecord): RunSummary {
  return {
    runId: run.runId,
    workflow: run.workflow,
    version: run.version,
    status: run.status,
    waitingFor: JSON.parse(run.waitingFor) as string[],
    wakeAt: run.wakeAt,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    ...(run.error !== null ? { error: errorView(JSON.parse(run.error) as SerializedError) } : {}),
  };
}

/** The page's view of a stored error (its JSON form; see errorToJSON). */
export function errorView(error: SerializedError): ErrorView {
  const details = error.details ?? {};
  const view: ErrorView = { name: error.name, message: error.message };
  if (error.category) view.category = error.category;
  if (error.code) view.code = error.code;
  if (typeof details.step === "string") view.step = details.step;
  const compensation = details.compensation as { ran?: unknown; failed?: unknown } | undefined;
  if (compensation && Array.isArray(compensation.ran) && Array.isArray(compensation.failed)) {
    view.compensation = { ran: compensation.ran.map(String), failed: compensation.failed.map(String) };
  }
  if (Array.isArray(details.issues) && details.issues.length > 0) view.issues = details.issues as ValidationIssue[];
  if (error.cause) view.cause = errorView(error.cause);
  return view;
}

function rebuild(snapshotData: string | undefined, journal: readonly { ops: string }[]): unknown {
  if (snapshotData === undefined) throw new Error("no snapshot");
  let doc = JSON.parse(snapshotData) as unknown;
  for (const entry of journal) doc = apply(doc, JSON.parse(entry.ops) as Op[]);
  return doc;
}

/** FNV-1a: a short fingerprint, not a security measure. */
function hashText(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16);
}
