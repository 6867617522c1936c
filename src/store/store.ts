// The store port: what the durable engine needs from a database, and nothing
// more. Three adapters implement it (memory, SQLite, PostgreSQL). Stores know
// nothing of XState: a snapshot is JSON text, a journal entry is JSON text.
// Every method may be async; a batch is committed atomically or not at all.

export type RunStatus = "running" | "waiting" | "escalated" | "done" | "failed" | "cancelled";

export const FINAL_STATUSES: readonly RunStatus[] = ["done", "failed", "cancelled"];

/** A run as the store keeps it. JSON columns hold JSON text. */
export interface RunRecord {
  runId: string;
  workflow: string;
  version: string;
  /** Hash of the compiled structure the run was started with. */
  hash: string;
  status: RunStatus;
  /** JSON of the run's input. */
  input: string;
  /** JSON of the output, once done. */
  output: string | null;
  /** JSON of the error (a WorkflowFailed, or why the run could not go on), once failed or cancelled. */
  error: string | null;
  /** JSON array of the event types the run waits for. */
  waitingFor: string;
  /** When the run wants to be woken (its earliest timer), ms since the epoch. */
  wakeAt: number | null;
  /** The number of the last journal entry. */
  seq: number;
  createdAt: number;
  updatedAt: number;
}

export interface JournalEntry {
  runId: string;
  seq: number;
  /** When the change happened, ms since the epoch. */
  at: number;
  /** JSON of the change (patch operations on the persisted snapshot). */
  ops: string;
}

export interface SnapshotRecord {
  runId: string;
  /** The journal entry this snapshot includes (0: the run's initial state). */
  seq: number;
  /** JSON of the XState persisted snapshot. */
  data: string;
}

export interface SignalRecord {
  id: number;
  runId: string;
  /** JSON of the event. */
  event: string;
  createdAt: number;
}

/** What changes about a run besides its journal. */
export type RunUpdate = Pick<RunRecord, "runId" | "status" | "output" | "error" | "waitingFor" | "wakeAt" | "seq" | "updatedAt">;

/** Writes committed together, in one transaction. */
export interface Batch {
  journal: JournalEntry[];
  snapshots: SnapshotRecord[];
  runs: RunUpdate[];
  /** Ids of signals now delivered (their effect is in this batch's journal). */
  delivered: number[];
}

export interface LoadedRun {
  run: RunRecord;
  snapshot: SnapshotRecord | undefined;
  /** The entries after the snapshot, in order. */
  journal: JournalEntry[];
}

export interface RunFilter {
  status?: RunStatus | RunStatus[];
  workflow?: string;
  /** @default 100 */
  limit?: number;
}

export type ScheduleOverlap = "skip" | "buffer" | "allow";
export type ScheduleCatchup = "none" | "latest" | "all";

/** A cron schedule as the store keeps it; its cursor moves by compare-and-set on `rev`. */
export interface ScheduleRecord {
  name: string;
  workflow: string;
  cron: string;
  /** IANA time zone the cron pattern is read in. */
  timezone: string;
  /** JSON of the input every run gets. */
  input: string;
  overlap: ScheduleOverlap;
  catchup: ScheduleCatchup;
  /** The earliest slot not handled yet, ms since the epoch. */
  nextAt: number;
  /** The run the latest started slot made. */
  lastRunId: string | null;
  /** JSON array of slots (ms) waiting for the previous run to end (overlap "buffer"). */
  buffered: string;
  /**
   * JSON array of slots (ms) claimed for starting: written before their runs
   * start and cleared after, so a crash in between starts them on the next look
   * (run ids come from the slot, so a second start is harmless).
   */
  starting: string;
  /** Bumped by every change. */
  rev: number;
  createdAt: number;
  updatedAt: number;
}

/** A step result kept for reuse across runs (the step option `cache`). */
export interface CacheRecord {
  workflow: string;
  /** The step's path in the workflow. */
  path: string;
  key: string;
  /** The workflow version that computed it: another version does not reuse it. */
  version: string;
  /** JSON of the step's output. */
  value: string;
  /** The run that computed it. */
  runId: string;
  createdAt: number;
  /** When it stops counting, ms since the epoch; null: never. */
  expiresAt: number | null;
}

export interface CacheFilter {
  workflow: string;
  path?: string;
  key?: string;
  /** Only entries computed by this version. */
  version?: string;
}

/** A request for a permit of a limit shared by every engine on the store. */
export interface PermitRequest {
  name: string;
  kind: "rate" | "concurrency";
  /** Calls per `perMs` (rate), or calls at once (concurrency). */
  limit: number;
  /** The rate's period (0 for a concurrency). */
  perMs: number;
  /** Who takes it (unique per call): the concurrency permit is held under this name. */
  holder: string;
  now: number;
  /** A concurrency permit not renewed or given back by now + leaseMs is taken back (its holder died). */
  leaseMs: number;
}

export interface PermitAnswer {
  granted: boolean;
  /** When to ask again (a rate's next token); null: when a permit is given back (or the next lease expires). */
  retryAt: number | null;
}

/**
 * Shared limits across engines (optional: a store without them leaves limits to each process).
 * A rate is a token bucket kept in the store; a concurrency counts leased holders.
 */
export interface SharedLimitStore {
  takePermit(request: PermitRequest): Promise<PermitAnswer>;
  /** Gives a concurrency permit back (nothing to give back for a rate). */
  givePermit(name: string, holder: string): Promise<void>;
  /** Extends a held concurrency permit's lease; false when it was taken back meanwhile. */
  renewPermit(name: string, holder: string, expiresAt: number): Promise<boolean>;
  /** Calls `listener` whenever any engine gives a permit back; returns the function that stops it. */
  onPermitGiven(listener: (name: string) => void): () => void;
}

export function hasSharedLimits(store: Store): store is Store & SharedLimitStore {
  const s = store as Partial<SharedLimitStore>;
  return typeof s.takePermit === "function" && typeof s.givePermit === "function" && typeof s.renewPermit === "function" && typeof s.onPermitGiven === "function";
}

export interface Store {
  /** Creates or upgrades the schema; safe to call on every start. */
  migrate(): Promise<void>;
  /** Inserts a run with its initial snapshot; an existing run id is left as it is. */
  createRun(run: RunRecord, snapshot: SnapshotRecord): Promise<{ created: boolean; run: RunRecord }>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  listRuns(filter: RunFilter): Promise<RunRecord[]>;
  /** The latest snapshot of a run and the journal after it. */
  loadRun(runId: string): Promise<LoadedRun | undefined>;
  /** The whole journal of a run (for history and the run viewer). */
  journal(runId: string): Promise<JournalEntry[]>;
  commit(batch: Batch): Promise<void>;
  /** Records a signal before it is delivered. */
  addSignal(runId: string, event: string, at: number): Promise<SignalRecord>;
  /** Signals recorded but not yet delivered, oldest first. */
  pendingSignals(runId?: string): Promise<SignalRecord[]>;
  /** Ids of runs that are not final, oldest first. */
  unfinishedRuns(): Promise<string[]>;
  /** Ids of waiting runs whose wake time has come, earliest first. */
  dueRuns(now: number, limit: number): Promise<string[]>;
  /** The earliest wake time of any unfinished run that is later than `after`. */
  nextWakeAt(after: number): Promise<number | null>;
  getSchedule(name: string): Promise<ScheduleRecord | undefined>;
  /** Every schedule, by name. */
  listSchedules(): Promise<ScheduleRecord[]>;
  /**
   * Writes `schedule` if the stored one still has revision `expectedRev`
   * (undefined: only if there is none); false when another writer came first.
   */
  saveSchedule(schedule: ScheduleRecord, expectedRev?: number): Promise<boolean>;
  /** Removes a schedule; false when there was none. */
  deleteSchedule(name: string): Promise<boolean>;
  getCached(workflow: string, path: string, key: string): Promise<CacheRecord | undefined>;
  /** Keeps a step result, replacing the one under the same workflow, path and key. */
  putCached(entry: CacheRecord): Promise<void>;
  /** Removes the cached results that match; resolves with how many. */
  invalidateCache(filter: CacheFilter): Promise<number>;
  close(): Promise<void>;
}

export function emptyBatch(): Batch {
  return { journal: [], snapshots: [], runs: [], delivered: [] };
}
