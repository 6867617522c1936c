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
];
