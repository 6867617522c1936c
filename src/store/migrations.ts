// The schema, as a list of versioned migrations with the SQL dialects side by
// side. A store applies, in order, every migration it has not applied yet,
// recording each in `schema_migrations`; migrations are never edited once
// released, only appended.

export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "runs, snapshots, journal, signals",
    sqlite: `
      CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        workflow TEXT NOT NULL,
        version TEXT NOT NULL,
        hash TEXT NOT NULL,
        status TEXT NOT NULL,
        input TEXT NOT NULL,
        output TEXT,
        error TEXT,
        waiting_for TEXT NOT NULL DEFAULT '[]',
        wake_at INTEGER,
        seq INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX runs_status ON runs (status, created_at);
      CREATE INDEX runs_wake_at ON runs (wake_at) WHERE wake_at IS NOT NULL;
      CREATE TABLE snapshots (
        run_id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL,
        data TEXT NOT NULL
      );
      CREATE TABLE journal (
        run_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        at INTEGER NOT NULL,
        ops TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
      ) WITHOUT ROWID;
      CREATE TABLE signals (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL,
        event TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        delivered INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX signals_pending ON signals (run_id, id) WHERE delivered = 0;
    `,
    postgres: `
      CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        workflow TEXT NOT NULL,
        version TEXT NOT NULL,
        hash TEXT NOT NULL,
        status TEXT NOT NULL,
        input TEXT NOT NULL,
        output TEXT,
        error TEXT,
        waiting_for TEXT NOT NULL DEFAULT '[]',
        wake_at BIGINT,
        seq BIGINT NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE INDEX runs_status ON runs (status, created_at);
      CREATE INDEX runs_wake_at ON runs (wake_at) WHERE wake_at IS NOT NULL;
      CREATE TABLE snapshots (
        run_id TEXT PRIMARY KEY,
        seq BIGINT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE TABLE journal (
        run_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        at BIGINT NOT NULL,
        ops TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
      );
      CREATE TABLE signals (
        id BIGSERIAL PRIMARY KEY,
        run_id TEXT NOT NULL,
        event TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        delivered BOOLEAN NOT NULL DEFAULT FALSE
      );
      CREATE INDEX signals_pending ON signals (run_id, id) WHERE NOT delivered;
    `,
  },
  {
    version: 2,
    name: "schedules, step cache",
    sqlite: `
      CREATE TABLE schedules (
        name TEXT PRIMARY KEY,
        workflow TEXT NOT NULL,
        cron TEXT NOT NULL,
        timezone TEXT NOT NULL,
        input TEXT NOT NULL,
        overlap TEXT NOT NULL,
        catchup TEXT NOT NULL,
        next_at INTEGER NOT NULL,
        last_run_id TEXT,
        buffered TEXT NOT NULL DEFAULT '[]',
        starting TEXT NOT NULL DEFAULT '[]',
        rev INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE step_cache (
        workflow TEXT NOT NULL,
        path TEXT NOT NULL,
        key TEXT NOT NULL,
        version TEXT NOT NULL,
        value TEXT NOT NULL,
        run_id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER,
        PRIMARY KEY (workflow, path, key)
      );
    `,
    postgres: `
      CREATE TABLE schedules (
        name TEXT PRIMARY KEY,
        workflow TEXT NOT NULL,
        cron TEXT NOT NULL,
        timezone TEXT NOT NULL,
        input TEXT NOT NULL,
        overlap TEXT NOT NULL,
        catchup TEXT NOT NULL,
        next_at BIGINT NOT NULL,
        last_run_id TEXT,
        buffered TEXT NOT NULL DEFAULT '[]',
        starting TEXT NOT NULL DEFAULT '[]',
        rev BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      );
      CREATE TABLE step_cache (
        workflow TEXT NOT NULL,
        path TEXT NOT NULL,
        key TEXT NOT NULL,
        version TEXT NOT NULL,
        value TEXT NOT NULL,
        run_id TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT,
        PRIMARY KEY (workflow, path, key)
      );
    `,
  },
  {
    version: 3,
    name: "leases: run owners, generations, workers",
    sqlite: `
      ALTER TABLE runs ADD COLUMN owner TEXT;
      ALTER TABLE runs ADD COLUMN lease_gen INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE workers (
        id TEXT PRIMARY KEY,
        lease_until INTEGER NOT NULL
      );
    `,
    postgres: `
      ALTER TABLE runs ADD COLUMN owner TEXT;
      ALTER TABLE runs ADD COLUMN lease_gen BIGINT NOT NULL DEFAULT 0;
      CREATE INDEX runs_owner ON runs (owner) WHERE owner IS NOT NULL;
      CREATE INDEX runs_active ON runs (created_at, run_id) WHERE status IN ('running', 'waiting', 'escalated');
      CREATE TABLE workers (
        id TEXT PRIMARY KEY,
        lease_until BIGINT NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: "limits shared by every engine on the store",
    sqlite: `
      CREATE TABLE limit_buckets (
        name TEXT PRIMARY KEY,
        tokens REAL NOT NULL,
        at INTEGER NOT NULL
      );
      CREATE TABLE limit_holders (
        name TEXT NOT NULL,
        holder TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        PRIMARY KEY (name, holder)
      );
    `,
    postgres: `
      CREATE TABLE limit_buckets (
        name TEXT PRIMARY KEY,
        tokens DOUBLE PRECISION NOT NULL,
        at BIGINT NOT NULL
      );
      CREATE TABLE limit_holders (
        name TEXT NOT NULL,
        holder TEXT NOT NULL,
        expires_at BIGINT NOT NULL,
        PRIMARY KEY (name, holder)
      );
    `,
  },
];
