// A store in memory, for tests and throwaway runs: the same contract as the
// database stores (records copied in and out, batches all or nothing), gone
// with the process.
import { LeaseLostError } from "../../errors.js";
import type {
  Batch,
  CacheFilter,
  CacheRecord,
  JournalEntry,
  Lease,
  LoadedRun,
  Notice,
  RunFilter,
  RunRecord,
  ScheduleRecord,
  SignalRecord,
  SnapshotRecord,
  PermitAnswer,
  PermitRequest,
  SharedLimitStore,
  Store,
} from "../store.js";
import { FINAL_STATUSES } from "../store.js";

export class MemoryStore implements Store, SharedLimitStore {
  readonly shared = false;
  readonly #runs = new Map<string, RunRecord>();
  readonly #snapshots = new Map<string, SnapshotRecord>();
  readonly #journal = new Map<string, JournalEntry[]>();
  readonly #signals: (SignalRecord & { delivered: boolean })[] = [];
  #nextSignal = 1;
  readonly #schedules = new Map<string, ScheduleRecord>();
  readonly #cache = new Map<string, CacheRecord>();
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #holders = new Map<string, Map<string, number>>();
  readonly #permitListeners = new Set<(name: string) => void>();
  /** Who holds each run, and the generation of that hold. */
  readonly #holds = new Map<string, { owner: string | null; generation: number }>();
  /** Each worker's lease, until when (ms). */
  readonly #workers = new Map<string, number>();
  readonly #listeners = new Set<(notice: Notice) => void>();

  async migrate(): Promise<void> {}

  async createRun(run: RunRecord, snapshot: SnapshotRecord, workerId?: string): Promise<{ created: boolean; run: RunRecord }> {
    const existing = this.#runs.get(run.runId);
    if (existing) return { created: false, run: { ...existing } };
    this.#runs.set(run.runId, { ...run });
    this.#snapshots.set(run.runId, { ...snapshot });
    this.#holds.set(run.runId, workerId === undefined ? { owner: null, generation: 0 } : { owner: workerId, generation: 1 });
    if (workerId === undefined) this.#notify({ kind: "run", runId: run.runId });
    return { created: true, run: { ...run } };
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const run = this.#runs.get(runId);
    return run && { ...run };
  }

  async listRuns(filter: RunFilter): Promise<RunRecord[]> {
    const statuses = filter.status === undefined ? undefined : Array.isArray(filter.status) ? filter.status : [filter.status];
    return [...this.#runs.values()]
      .filter((r) => (!statuses || statuses.includes(r.status)) && (filter.workflow === undefined || r.workflow === filter.workflow))
      .sort((a, b) => a.createdAt - b.createdAt || a.runId.localeCompare(b.runId))
      .slice(0, filter.limit ?? 100)
      .map((r) => ({ ...r }));
  }

  async loadRun(runId: string): Promise<LoadedRun | undefined> {
    const run = this.#runs.get(runId);
    if (!run) return undefined;
    const snapshot = this.#snapshots.get(runId);
    const after = snapshot?.seq ?? 0;
    return {
      run: { ...run },
      snapshot: snapshot && { ...snapshot },
      journal: (this.#journal.get(runId) ?? []).filter((e) => e.seq > after).map((e) => ({ ...e })),
    };
  }

  async journal(runId: string): Promise<JournalEntry[]> {
    return (this.#journal.get(runId) ?? []).map((e) => ({ ...e }));
  }

  async commit(batch: Batch): Promise<void> {
    const lost = batch.leases.filter((l) => this.#holds.get(l.runId)?.generation !== l.generation).map((l) => l.runId);
    if (lost.length > 0) throw LeaseLostError.of(lost);
    for (const entry of batch.journal) {
      const entries = this.#journal.get(entry.runId) ?? [];
      if (entries.some((e) => e.seq === entry.seq)) throw new Error(`Journal entry ${entry.runId}#${entry.seq} exists already`);
    }
    for (const entry of batch.journal) {
      const entries = this.#journal.get(entry.runId) ?? [];
      entries.push({ ...entry });
      this.#journal.set(entry.runId, entries);
    }
    for (const snapshot of batch.snapshots) this.#snapshots.set(snapshot.runId, { ...snapshot });
    for (const update of batch.runs) {
      const run = this.#runs.get(update.runId);
      if (run) this.#runs.set(update.runId, { ...run, ...update });
      if (run && FINAL_STATUSES.includes(update.status)) this.#notify({ kind: "ended", runId: update.runId });
    }
    for (const id of batch.delivered) {
      const signal = this.#signals.find((s) => s.id === id);
      if (signal) signal.delivered = true;
    }
  }

  async addSignal(runId: string, event: string, at: number): Promise<SignalRecord> {
    const signal = { id: this.#nextSignal++, runId, event, createdAt: at, delivered: false };
    this.#signals.push(signal);
    this.#notify({ kind: "signal", runId });
    const { delivered: _delivered, ...record } = signal;
    return record;
  }

  async pendingSignals(runId?: string): Promise<SignalRecord[]> {
    return this.#signals
      .filter((s) => !s.delivered && (runId === undefined || s.runId === runId))
      .map(({ delivered: _delivered, ...record }) => record);
  }

  async unfinishedRuns(): Promise<string[]> {
    return (await this.listRuns({ limit: Number.MAX_SAFE_INTEGER })).filter((r) => !FINAL_STATUSES.includes(r.status)).map((r) => r.runId);
  }

  async dueRuns(now: number, limit: number): Promise<string[]> {
    return [...this.#runs.values()]
      .filter((r) => r.wakeAt !== null && r.wakeAt <= now && !FINAL_STATUSES.includes(r.status))
      .sort((a, b) => a.wakeAt! - b.wakeAt!)
      .slice(0, limit)
      .map((r) => r.runId);
  }

  async nextWakeAt(after: number): Promise<number | null> {
    let next: number | null = null;
    for (const r of this.#runs.values()) {
      if (r.wakeAt !== null && r.wakeAt > after && !FINAL_STATUSES.includes(r.status) && (next === null || r.wakeAt < next)) next = r.wakeAt;
    }
    return next;
  }

  async getSchedule(name: string): Promise<ScheduleRecord | undefined> {
    const schedule = this.#schedules.get(name);
    return schedule && { ...schedule };
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return [...this.#schedules.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((s) => ({ ...s }));
  }

  async saveSchedule(schedule: ScheduleRecord, expectedRev?: number): Promise<boolean> {
    const stored = this.#schedules.get(schedule.name);
    if (expectedRev === undefined ? stored !== undefined : stored?.rev !== expectedRev) return false;
    this.#schedules.set(schedule.name, { ...schedule });
    return true;
  }

  async deleteSchedule(name: string): Promise<boolean> {
    return this.#schedules.delete(name);
  }

  async getCached(workflow: string, path: string, key: string): Promise<CacheRecord | undefined> {
    const entry = this.#cache.get(JSON.stringify([workflow, path, key]));
    return entry && { ...entry };
  }

  async putCached(entry: CacheRecord): Promise<void> {
    this.#cache.set(JSON.stringify([entry.workflow, entry.path, entry.key]), { ...entry });
  }

  async invalidateCache(filter: CacheFilter): Promise<number> {
    let removed = 0;
    for (const [id, e] of this.#cache) {
      if (
        e.workflow === filter.workflow &&
        (filter.path === undefined || e.path === filter.path) &&
        (filter.key === undefined || e.key === filter.key) &&
        (filter.version === undefined || e.version === filter.version)
      ) {
        this.#cache.delete(id);
        removed++;
      }
    }
    return removed;
  }

  async takePermit(r: PermitRequest): Promise<PermitAnswer> {
    if (r.kind === "rate") {
      const bucket = this.#buckets.get(r.name) ?? { tokens: r.limit, at: r.now };
      const tokens = Math.min(r.limit, bucket.tokens + (Math.max(0, r.now - bucket.at) / r.perMs) * r.limit);
      const granted = tokens >= 1;
      this.#buckets.set(r.name, { tokens: granted ? tokens - 1 : tokens, at: Math.max(r.now, bucket.at) });
      return { granted, retryAt: granted ? null : r.now + Math.max(1, Math.ceil(((1 - tokens) * r.perMs) / r.limit)) };
    }
    const holders = this.#holders.get(r.name) ?? new Map<string, number>();
    this.#holders.set(r.name, holders);
    for (const [holder, expiresAt] of holders) if (expiresAt <= r.now) holders.delete(holder);
    if (holders.size >= r.limit) return { granted: false, retryAt: Math.min(...holders.values()) };
    holders.set(r.holder, r.now + r.leaseMs);
    return { granted: true, retryAt: null };
  }

  async givePermit(name: string, holder: string): Promise<void> {
    if (this.#holders.get(name)?.delete(holder)) for (const listener of this.#permitListeners) listener(name);
  }

  async renewPermit(name: string, holder: string, expiresAt: number): Promise<boolean> {
    const holders = this.#holders.get(name);
    if (!holders?.has(holder)) return false;
    holders.set(holder, expiresAt);
    return true;
  }

  onPermitGiven(listener: (name: string) => void): () => void {
    this.#permitListeners.add(listener);
    return () => this.#permitListeners.delete(listener);
  }

  async heartbeat(workerId: string, now: number, until: number): Promise<boolean> {
    const before = this.#workers.get(workerId);
    this.#workers.set(workerId, until);
    return before === undefined || before >= now;
  }

  async retire(workerId: string): Promise<void> {
    this.#workers.delete(workerId);
    for (const [runId, hold] of this.#holds) {
      if (hold.owner !== workerId) continue;
      hold.owner = null;
      if (!FINAL_STATUSES.includes(this.#runs.get(runId)!.status)) this.#notify({ kind: "run", runId });
    }
  }

  /** Whether `workerId` may take the run now. */
  #free(runId: string, workerId: string, now: number): boolean {
    const owner = this.#holds.get(runId)?.owner ?? null;
    return owner === null || owner === workerId || (this.#workers.get(owner) ?? -Infinity) < now;
  }

  #take(runId: string, workerId: string): number {
    const hold = this.#holds.get(runId)!;
    hold.owner = workerId;
    return ++hold.generation;
  }

  async claimRun(runId: string, workerId: string, now: number, force = false): Promise<number | undefined> {
    const run = this.#runs.get(runId);
    if (!run || !ACTIVE.includes(run.status) || !(force || this.#free(runId, workerId, now))) return undefined;
    return this.#take(runId, workerId);
  }

  async claimRuns(workerId: string, now: number, limit: number): Promise<Lease[]> {
    const signalled = new Set(this.#signals.filter((s) => !s.delivered).map((s) => s.runId));
    return (await this.listRuns({ status: ACTIVE, limit: Number.MAX_SAFE_INTEGER }))
      .filter((r) => this.#holds.get(r.runId)!.owner !== workerId && this.#free(r.runId, workerId, now))
      .filter((r) => r.status === "running" || (r.wakeAt !== null && r.wakeAt <= now) || signalled.has(r.runId))
      .slice(0, limit)
      .map((r) => ({ runId: r.runId, generation: this.#take(r.runId, workerId) }));
  }

  async releaseRun(lease: Lease, workerId: string): Promise<boolean> {
    const hold = this.#holds.get(lease.runId);
    if (!hold || hold.generation !== lease.generation || hold.owner !== workerId) return false;
    hold.owner = null;
    return this.#signals.some((s) => !s.delivered && s.runId === lease.runId);
  }

  async listen(listener: (notice: Notice) => void): Promise<() => Promise<void>> {
    this.#listeners.add(listener);
    return async () => void this.#listeners.delete(listener);
  }

  /** Tells the listeners after the write that caused it, as a database would after its commit. */
  #notify(notice: Notice): void {
    for (const listener of this.#listeners) queueMicrotask(() => listener(notice));
  }

  async close(): Promise<void> {}
}

const ACTIVE: RunRecord["status"][] = ["running", "waiting", "escalated"];

/**
 * A store in memory, for tests.
 * @example
 * const engine = createEngine({ workflows: [wf], store: memoryStore() });
 */
export function memoryStore(): MemoryStore {
  return new MemoryStore();
}
