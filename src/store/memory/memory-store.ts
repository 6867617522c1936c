// A store in memory, for tests and throwaway runs: the same contract as the
// database stores (records copied in and out, batches all or nothing), gone
// with the process.
import type {
  Batch,
  CacheFilter,
  CacheRecord,
  JournalEntry,
  LoadedRun,
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

  async migrate(): Promise<void> {}

  async createRun(run: RunRecord, snapshot: SnapshotRecord): Promise<{ created: boolean; run: RunRecord }> {
    const existing = this.#runs.get(run.runId);
    if (existing) return { created: false, run: { ...existing } };
    this.#runs.set(run.runId, { ...run });
    this.#snapshots.set(run.runId, { ...snapshot });
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
    }
    for (const id of batch.delivered) {
      const signal = this.#signals.find((s) => s.id === id);
      if (signal) signal.delivered = true;
    }
  }

  async addSignal(runId: string, event: string, at: number): Promise<SignalRecord> {
    const signal = { id: this.#nextSignal++, runId, event, createdAt: at, delivered: false };
    this.#signals.push(signal);
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

  async close(): Promise<void> {}
}

/**
 * A store in memory, for tests.
 * @example
 * const engine = createEngine({ workflows: [wf], store: memoryStore() });
 */
export function memoryStore(): MemoryStore {
  return new MemoryStore();
}
