// The embedded store: SQLite through better-sqlite3 (synchronous, so every
// method resolves at once). One transaction per batch; with WAL and
// synchronous=NORMAL a commit survives a process crash.
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
  Store,
} from "../store.js";
import { FINAL_STATUSES } from "../store.js";
import { migrate, openDatabase, type SqliteDatabase, type SqliteOptions } from "./database.js";

interface RunRow {
  run_id: string;
  workflow: string;
  version: string;
  hash: string;
  status: RunRecord["status"];
  input: string;
  output: string | null;
  error: string | null;
  waiting_for: string;
  wake_at: number | null;
  seq: number;
  created_at: number;
  updated_at: number;
}

function toRecord(row: RunRow): RunRecord {
  return {
    runId: row.run_id,
    workflow: row.workflow,
    version: row.version,
    hash: row.hash,
    status: row.status,
    input: row.input,
    output: row.output,
    error: row.error,
    waitingFor: row.waiting_for,
    wakeAt: row.wake_at,
    seq: row.seq,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const SCHEDULE_COLUMNS = `name, workflow, cron, timezone, input, overlap, catchup, next_at AS nextAt, last_run_id AS lastRunId, buffered, starting, rev,
  created_at AS createdAt, updated_at AS updatedAt`;
const CACHE_COLUMNS = "workflow, path, key, version, value, run_id AS runId, created_at AS createdAt, expires_at AS expiresAt";

const FINAL_LIST = FINAL_STATUSES.map((s) => `'${s}'`).join(", ");
const ACTIVE_LIST = "'running', 'waiting', 'escalated'";

export class SqliteStore implements Store {
  readonly shared = false;
  readonly #db: SqliteDatabase;
  readonly #statements;
  /** Notices reach the engines of this process only: a SQLite file serves one process at a time. */
  readonly #listeners = new Set<(notice: Notice) => void>();

  constructor(
    readonly path: string,
    options: SqliteOptions = {},
  ) {
    this.#db = openDatabase(path, options);
    migrate(this.#db);
    const db = this.#db;
    this.#statements = {
      insertRun: db.prepare(
        `INSERT OR IGNORE INTO runs (run_id, workflow, version, hash, status, input, output, error, waiting_for, wake_at, seq, created_at, updated_at, owner, lease_gen)
         VALUES (@runId, @workflow, @version, @hash, @status, @input, @output, @error, @waitingFor, @wakeAt, @seq, @createdAt, @updatedAt, @owner, @generation)`,
      ),
      getRun: db.prepare("SELECT * FROM runs WHERE run_id = ?"),
      updateRun: db.prepare(
        `UPDATE runs SET status = @status, output = @output, error = @error, waiting_for = @waitingFor, wake_at = @wakeAt, seq = @seq, updated_at = @updatedAt
         WHERE run_id = @runId`,
      ),
      upsertSnapshot: db.prepare(
        "INSERT INTO snapshots (run_id, seq, data) VALUES (@runId, @seq, @data) ON CONFLICT (run_id) DO UPDATE SET seq = excluded.seq, data = excluded.data",
      ),
      getSnapshot: db.prepare("SELECT run_id AS runId, seq, data FROM snapshots WHERE run_id = ?"),
      appendJournal: db.prepare("INSERT INTO journal (run_id, seq, at, ops) VALUES (?, ?, ?, ?)"),
      journalAfter: db.prepare("SELECT run_id AS runId, seq, at, ops FROM journal WHERE run_id = ? AND seq > ? ORDER BY seq"),
      addSignal: db.prepare("INSERT INTO signals (run_id, event, created_at) VALUES (?, ?, ?)"),
      pendingAll: db.prepare("SELECT id, run_id AS runId, event, created_at AS createdAt FROM signals WHERE delivered = 0 ORDER BY id"),
      pendingFor: db.prepare("SELECT id, run_id AS runId, event, created_at AS createdAt FROM signals WHERE delivered = 0 AND run_id = ? ORDER BY id"),
      delivered: db.prepare("UPDATE signals SET delivered = 1 WHERE id = ?"),
      unfinished: db.prepare(`SELECT run_id FROM runs WHERE status NOT IN (${FINAL_LIST}) ORDER BY created_at, run_id`),
      due: db.prepare(`SELECT run_id FROM runs WHERE wake_at IS NOT NULL AND wake_at <= ? AND status NOT IN (${FINAL_LIST}) ORDER BY wake_at LIMIT ?`),
      nextWake: db.prepare(`SELECT MIN(wake_at) AS at FROM runs WHERE wake_at > ? AND status NOT IN (${FINAL_LIST})`),
      getSchedule: db.prepare(`SELECT ${SCHEDULE_COLUMNS} FROM schedules WHERE name = ?`),
      listSchedules: db.prepare(`SELECT ${SCHEDULE_COLUMNS} FROM schedules ORDER BY name`),
      insertSchedule: db.prepare(
        `INSERT OR IGNORE INTO schedules (name, workflow, cron, timezone, input, overlap, catchup, next_at, last_run_id, buffered, starting, rev, created_at, updated_at)
         VALUES (@name, @workflow, @cron, @timezone, @input, @overlap, @catchup, @nextAt, @lastRunId, @buffered, @starting, @rev, @createdAt, @updatedAt)`,
      ),
      updateSchedule: db.prepare(
        `UPDATE schedules SET workflow = @workflow, cron = @cron, timezone = @timezone, input = @input, overlap = @overlap, catchup = @catchup,
           next_at = @nextAt, last_run_id = @lastRunId, buffered = @buffered, starting = @starting, rev = @rev, created_at = @createdAt, updated_at = @updatedAt
         WHERE name = @name AND rev = @expectedRev`,
      ),
      deleteSchedule: db.prepare("DELETE FROM schedules WHERE name = ?"),
      generation: db.prepare("SELECT lease_gen FROM runs WHERE run_id = ?").pluck(),
      workerUntil: db.prepare("SELECT lease_until FROM workers WHERE id = ?").pluck(),
      upsertWorker: db.prepare("INSERT INTO workers (id, lease_until) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET lease_until = excluded.lease_until"),
      deleteWorker: db.prepare("DELETE FROM workers WHERE id = ?"),
      freeRunsOf: db.prepare(`UPDATE runs SET owner = NULL WHERE owner = ? RETURNING run_id, status`),
      claim: db.prepare(
        `UPDATE runs SET owner = @workerId, lease_gen = lease_gen + 1
         WHERE run_id = @runId AND status IN (${ACTIVE_LIST})
           AND (@force OR owner IS NULL OR owner = @workerId OR NOT EXISTS (SELECT 1 FROM workers w WHERE w.id = runs.owner AND w.lease_until >= @now))
         RETURNING lease_gen`,
      ).pluck(),
      claimable: db.prepare(
        `SELECT run_id FROM runs r
         WHERE r.status IN (${ACTIVE_LIST})
           AND (r.status = 'running' OR r.wake_at <= @now OR EXISTS (SELECT 1 FROM signals s WHERE s.run_id = r.run_id AND s.delivered = 0))
           AND (r.owner IS NULL OR (r.owner <> @workerId AND NOT EXISTS (SELECT 1 FROM workers w WHERE w.id = r.owner AND w.lease_until >= @now)))
         ORDER BY r.created_at, r.run_id LIMIT @limit`,
      ).pluck(),
      release: db.prepare("UPDATE runs SET owner = NULL WHERE run_id = ? AND lease_gen = ? AND owner = ?"),
      hasPending: db.prepare("SELECT EXISTS (SELECT 1 FROM signals WHERE run_id = ? AND delivered = 0)").pluck(),
      getCached: db.prepare(`SELECT ${CACHE_COLUMNS} FROM step_cache WHERE workflow = ? AND path = ? AND key = ?`),
      putCached: db.prepare(
        `INSERT INTO step_cache (workflow, path, key, version, value, run_id, created_at, expires_at)
         VALUES (@workflow, @path, @key, @version, @value, @runId, @createdAt, @expiresAt)
         ON CONFLICT (workflow, path, key) DO UPDATE SET version = excluded.version, value = excluded.value, run_id = excluded.run_id,
           created_at = excluded.created_at, expires_at = excluded.expires_at`,
      ),
    };
  }

  async migrate(): Promise<void> {
    migrate(this.#db);
  }

  async createRun(run: RunRecord, snapshot: SnapshotRecord, workerId?: string): Promise<{ created: boolean; run: RunRecord }> {
    const created = this.#db.transaction(() => {
      const inserted = this.#statements.insertRun.run({ ...run, owner: workerId ?? null, generation: workerId === undefined ? 0 : 1 }).changes === 1;
      if (inserted) this.#statements.upsertSnapshot.run(snapshot);
      return inserted;
    })();
    if (created && workerId === undefined) this.#notify({ kind: "run", runId: run.runId });
    return { created, run: created ? run : toRecord(this.#statements.getRun.get(run.runId) as RunRow) };
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const row = this.#statements.getRun.get(runId) as RunRow | undefined;
    return row && toRecord(row);
  }

  async listRuns(filter: RunFilter): Promise<RunRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status !== undefined) {
      const statuses = Array.isArray(filter.status) ? filter.status : [filter.status];
      where.push(`status IN (${statuses.map(() => "?").join(", ")})`);
      params.push(...statuses);
    }
    if (filter.workflow !== undefined) {
      where.push("workflow = ?");
      params.push(filter.workflow);
    }
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at, run_id LIMIT ?`;
    return (this.#db.prepare(sql).all(...params, filter.limit ?? 100) as RunRow[]).map(toRecord);
  }

  async loadRun(runId: string): Promise<LoadedRun | undefined> {
    return this.#db.transaction(() => {
      const row = this.#statements.getRun.get(runId) as RunRow | undefined;
      if (!row) return undefined;
      const snapshot = this.#statements.getSnapshot.get(runId) as SnapshotRecord | undefined;
      const journal = this.#statements.journalAfter.all(runId, snapshot?.seq ?? 0) as JournalEntry[];
      return { run: toRecord(row), snapshot, journal };
    })();
  }

  async journal(runId: string): Promise<JournalEntry[]> {
    return this.#statements.journalAfter.all(runId, -1) as JournalEntry[];
  }

  async commit(batch: Batch): Promise<void> {
    this.#db.transaction(() => {
      const lost = batch.leases.filter((l) => this.#statements.generation.get(l.runId) !== l.generation).map((l) => l.runId);
      if (lost.length > 0) throw LeaseLostError.of(lost);
      for (const e of batch.journal) this.#statements.appendJournal.run(e.runId, e.seq, e.at, e.ops);
      for (const snapshot of batch.snapshots) this.#statements.upsertSnapshot.run(snapshot);
      for (const run of batch.runs) this.#statements.updateRun.run(run);
      for (const id of batch.delivered) this.#statements.delivered.run(id);
    })();
    for (const run of batch.runs) if (FINAL_STATUSES.includes(run.status)) this.#notify({ kind: "ended", runId: run.runId });
  }

  async addSignal(runId: string, event: string, at: number): Promise<SignalRecord> {
    const info = this.#statements.addSignal.run(runId, event, at);
    this.#notify({ kind: "signal", runId });
    return { id: Number(info.lastInsertRowid), runId, event, createdAt: at };
  }

  async pendingSignals(runId?: string): Promise<SignalRecord[]> {
    return (runId === undefined ? this.#statements.pendingAll.all() : this.#statements.pendingFor.all(runId)) as SignalRecord[];
  }

  async unfinishedRuns(): Promise<string[]> {
    return (this.#statements.unfinished.all() as { run_id: string }[]).map((r) => r.run_id);
  }

  async dueRuns(now: number, limit: number): Promise<string[]> {
    return (this.#statements.due.all(now, limit) as { run_id: string }[]).map((r) => r.run_id);
  }

  async nextWakeAt(after: number): Promise<number | null> {
    return (this.#statements.nextWake.get(after) as { at: number | null }).at;
  }

  async getSchedule(name: string): Promise<ScheduleRecord | undefined> {
    return this.#statements.getSchedule.get(name) as ScheduleRecord | undefined;
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    return this.#statements.listSchedules.all() as ScheduleRecord[];
  }

  async saveSchedule(schedule: ScheduleRecord, expectedRev?: number): Promise<boolean> {
    const result =
      expectedRev === undefined ? this.#statements.insertSchedule.run(schedule) : this.#statements.updateSchedule.run({ ...schedule, expectedRev });
    return result.changes === 1;
  }

  async deleteSchedule(name: string): Promise<boolean> {
    return this.#statements.deleteSchedule.run(name).changes === 1;
  }

  async getCached(workflow: string, path: string, key: string): Promise<CacheRecord | undefined> {
    return this.#statements.getCached.get(workflow, path, key) as CacheRecord | undefined;
  }

  async putCached(entry: CacheRecord): Promise<void> {
    this.#statements.putCached.run(entry);
  }

  async invalidateCache(filter: CacheFilter): Promise<number> {
    const where = ["workflow = ?"];
    const params: unknown[] = [filter.workflow];
    for (const [column, value] of [["path", filter.path], ["key", filter.key], ["version", filter.version]] as const) {
      if (value === undefined) continue;
      where.push(`${column} = ?`);
      params.push(value);
    }
    return this.#db.prepare(`DELETE FROM step_cache WHERE ${where.join(" AND ")}`).run(...params).changes;
  }

  async heartbeat(workerId: string, now: number, until: number): Promise<boolean> {
    return this.#db.transaction(() => {
      const before = this.#statements.workerUntil.get(workerId) as number | undefined;
      this.#statements.upsertWorker.run(workerId, until);
      return before === undefined || before >= now;
    })();
  }

  async retire(workerId: string): Promise<void> {
    const freed = this.#db.transaction(() => {
      this.#statements.deleteWorker.run(workerId);
      return this.#statements.freeRunsOf.all(workerId) as { run_id: string; status: RunRecord["status"] }[];
    })();
    for (const run of freed) if (!FINAL_STATUSES.includes(run.status)) this.#notify({ kind: "run", runId: run.run_id });
  }

  async claimRun(runId: string, workerId: string, now: number, force = false): Promise<number | undefined> {
    return this.#statements.claim.get({ runId, workerId, now, force: force ? 1 : 0 }) as number | undefined;
  }

  async claimRuns(workerId: string, now: number, limit: number): Promise<Lease[]> {
    return this.#db.transaction(() =>
      (this.#statements.claimable.all({ workerId, now, limit }) as string[]).map((runId) => ({
        runId,
        generation: this.#statements.claim.get({ runId, workerId, now, force: 1 }) as number,
      })),
    )();
  }

  async releaseRun(lease: Lease, workerId: string): Promise<boolean> {
    if (this.#statements.release.run(lease.runId, lease.generation, workerId).changes === 0) return false;
    return this.#statements.hasPending.get(lease.runId) === 1;
  }

  async listen(listener: (notice: Notice) => void): Promise<() => Promise<void>> {
    this.#listeners.add(listener);
    return async () => void this.#listeners.delete(listener);
  }

  #notify(notice: Notice): void {
    for (const listener of this.#listeners) queueMicrotask(() => listener(notice));
  }

  /** The connection's journal mode and synchronous level, as SQLite reports them. */
  settings(): { journalMode: string; synchronous: "OFF" | "NORMAL" | "FULL" | "EXTRA" } {
    const levels = ["OFF", "NORMAL", "FULL", "EXTRA"] as const;
    return {
      journalMode: this.#db.pragma("journal_mode", { simple: true }) as string,
      synchronous: levels[this.#db.pragma("synchronous", { simple: true }) as number]!,
    };
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}

/**
 * The embedded default store: SQLite (WAL) at `path`.
 * @example
 * createEngine({ workflows, store: sqliteStore(".stepchart/stepchart.db") });
 */
export function sqliteStore(path = ".stepchart/stepchart.db", options: SqliteOptions = {}): SqliteStore {
  return new SqliteStore(path, options);
}
