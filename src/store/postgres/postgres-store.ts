// The store for many workers on many machines: PostgreSQL through
// node-postgres. Every table lives in one schema of its own; the schema is
// brought up to date on first use. Each concern (runs, signals, schedules)
// lives in its own module; this class only wires them to a pool.
import pg from "pg";
import { ValidationError } from "../../errors.js";
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
  PermitAnswer,
  PermitRequest,
  ScheduleRecord,
  SharedLimitStore,
  SignalRecord,
  SnapshotRecord,
  Store,
} from "../store.js";
import { openPool, transaction } from "./connection.js";
import * as leases from "./leases.js";
import * as limits from "./limits.js";
import { channelOf, listen, listenChannel } from "./notify.js";
import * as runs from "./runs.js";
import * as schedules from "./schedules.js";
import { checkSchemaName, migrate } from "./schema.js";
import * as signals from "./signals.js";
import { tablesIn, type Tables } from "./tables.js";

export interface PostgresOptions {
  /** The schema that holds stepchart's tables (created when missing). @default "stepchart" */
  schema?: string;
  /** Connections in the pool this store makes from a URL (a pool you pass keeps its own size). @default 10 */
  maxConnections?: number;
  /** Receives errors of idle connections (the server restarted); the pool replaces them. @default ignored */
  onConnectionError?: (error: Error) => void;
}

export class PostgresStore implements Store, SharedLimitStore {
  readonly shared = true;
  readonly pool: pg.Pool;
  readonly schema: string;
  readonly #tables: Tables;
  readonly #ownsPool: boolean;
  #migrated: Promise<void> | undefined;
  #closed = false;

  constructor(connection: string | pg.Pool, options: PostgresOptions = {}) {
    this.schema = checkSchemaName(options.schema ?? "stepchart");
    this.#tables = tablesIn(this.schema);
    const onError = options.onConnectionError ?? (() => undefined);
    if (typeof connection === "string") {
      if (!/^postgres(ql)?:\/\//.test(connection)) {
        throw new ValidationError(`Expected a PostgreSQL URL such as postgres://user@host:5432/db, got ${JSON.stringify(connection)}`, { code: "invalid_store_url" });
      }
      this.pool = openPool(connection, options.maxConnections ?? 10, onError);
      this.#ownsPool = true;
    } else if (connection instanceof pg.Pool) {
      this.pool = connection;
      this.#ownsPool = false;
    } else {
      throw new ValidationError(`Expected a PostgreSQL URL or a pg.Pool, got ${typeof connection}`, { code: "invalid_store_url" });
    }
  }

  /** Resolves once the schema is up to date; the first call applies the migrations. */
  #ready(): Promise<void> {
    this.#migrated ??= migrate(this.pool, this.schema).catch((e) => {
      this.#migrated = undefined; // try again on the next call (the server may come back)
      throw e;
    });
    return this.#migrated;
  }

  async migrate(): Promise<void> {
    await this.#ready();
  }

  async createRun(run: RunRecord, snapshot: SnapshotRecord, workerId?: string): Promise<{ created: boolean; run: RunRecord }> {
    await this.#ready();
    return runs.createRun(this.pool, this.#tables, run, snapshot, workerId);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    await this.#ready();
    return runs.getRun(this.pool, this.#tables, runId);
  }

  async listRuns(filter: RunFilter): Promise<RunRecord[]> {
    await this.#ready();
    return runs.listRuns(this.pool, this.#tables, filter);
  }

  async loadRun(runId: string): Promise<LoadedRun | undefined> {
    await this.#ready();
    return runs.loadRun(this.pool, this.#tables, runId);
  }

  async journal(runId: string): Promise<JournalEntry[]> {
    await this.#ready();
    return runs.journal(this.pool, this.#tables, runId);
  }

  async commit(batch: Batch): Promise<void> {
    await this.#ready();
    await transaction(this.pool, (client) => runs.writeBatch(client, this.#tables, batch));
  }

  async addSignal(runId: string, event: string, at: number): Promise<SignalRecord> {
    await this.#ready();
    return signals.addSignal(this.pool, this.#tables, runId, event, at);
  }

  async pendingSignals(runId?: string): Promise<SignalRecord[]> {
    await this.#ready();
    return signals.pendingSignals(this.pool, this.#tables, runId);
  }

  async unfinishedRuns(): Promise<string[]> {
    await this.#ready();
    return runs.unfinishedRuns(this.pool, this.#tables);
  }

  async dueRuns(now: number, limit: number): Promise<string[]> {
    await this.#ready();
    return runs.dueRuns(this.pool, this.#tables, now, limit);
  }

  async nextWakeAt(after: number): Promise<number | null> {
    await this.#ready();
    return runs.nextWakeAt(this.pool, this.#tables, after);
  }

  async getSchedule(name: string): Promise<ScheduleRecord | undefined> {
    await this.#ready();
    return schedules.getSchedule(this.pool, this.#tables, name);
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    await this.#ready();
    return schedules.listSchedules(this.pool, this.#tables);
  }

  async saveSchedule(schedule: ScheduleRecord, expectedRev?: number): Promise<boolean> {
    await this.#ready();
    return schedules.saveSchedule(this.pool, this.#tables, schedule, expectedRev);
  }

  async deleteSchedule(name: string): Promise<boolean> {
    await this.#ready();
    return schedules.deleteSchedule(this.pool, this.#tables, name);
  }

  async getCached(workflow: string, path: string, key: string): Promise<CacheRecord | undefined> {
    await this.#ready();
    return schedules.getCached(this.pool, this.#tables, workflow, path, key);
  }

  async putCached(entry: CacheRecord): Promise<void> {
    await this.#ready();
    await schedules.putCached(this.pool, this.#tables, entry);
  }

  async invalidateCache(filter: CacheFilter): Promise<number> {
    await this.#ready();
    return schedules.invalidateCache(this.pool, this.#tables, filter);
  }

  async heartbeat(workerId: string, now: number, until: number): Promise<boolean> {
    await this.#ready();
    return leases.heartbeat(this.pool, this.#tables, workerId, now, until);
  }

  async retire(workerId: string): Promise<void> {
    await this.#ready();
    await leases.retire(this.pool, this.#tables, workerId);
  }

  async claimRun(runId: string, workerId: string, now: number, force = false): Promise<number | undefined> {
    await this.#ready();
    return leases.claimRun(this.pool, this.#tables, runId, workerId, now, force);
  }

  async claimRuns(workerId: string, now: number, limit: number): Promise<Lease[]> {
    await this.#ready();
    return leases.claimRuns(this.pool, this.#tables, workerId, now, limit);
  }

  async releaseRun(lease: Lease, workerId: string): Promise<boolean> {
    await this.#ready();
    return leases.releaseRun(this.pool, this.#tables, lease, workerId);
  }

  async listen(listener: (notice: Notice) => void): Promise<() => Promise<void>> {
    await this.#ready();
    return listen(this.pool, this.#tables, listener);
  }

  async takePermit(request: PermitRequest): Promise<PermitAnswer> {
    await this.#ready();
    return limits.takePermit(this.pool, this.#tables, request);
  }

  async givePermit(name: string, holder: string): Promise<void> {
    await this.#ready();
    await limits.givePermit(this.pool, this.#tables, name, holder);
  }

  async renewPermit(name: string, holder: string, expiresAt: number): Promise<boolean> {
    await this.#ready();
    return limits.renewPermit(this.pool, this.#tables, name, holder, expiresAt);
  }

  readonly #permitListeners = new Set<(name: string) => void>();
  #permitChannel: Promise<() => Promise<void>> | undefined;

  onPermitGiven(listener: (name: string) => void): () => void {
    this.#permitListeners.add(listener);
    // One LISTEN connection for every listener, opened on first use; a failure only costs the wake-ups (waiters poll).
    this.#permitChannel ??= this.#ready()
      .then(() =>
        listenChannel(this.pool, channelOf(this.#tables), (payload) => {
          if (!payload?.startsWith(limits.PERMIT_NOTICE)) return;
          const name = payload.slice(limits.PERMIT_NOTICE.length);
          for (const l of this.#permitListeners) l(name);
        }),
      )
      .catch(() => async () => undefined);
    return () => this.#permitListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#permitChannel) await (await this.#permitChannel)();
    if (this.#ownsPool) await this.pool.end();
  }
}

/**
 * The store for many workers: PostgreSQL at `connection` (a URL or your own
 * `pg.Pool`), its tables in their own schema.
 * @example
 * createEngine({ workflows, store: postgresStore("postgres://app@db:5432/app", { schema: "stepchart" }) });
 */
export function postgresStore(connection: string | pg.Pool, options: PostgresOptions = {}): PostgresStore {
  return new PostgresStore(connection, options);
}
