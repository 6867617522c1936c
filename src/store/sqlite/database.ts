// Opens a SQLite database for stepchart (WAL, the chosen synchronous level, a
// busy timeout) and brings its schema up to date with MIGRATIONS.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { MIGRATIONS } from "../migrations.js";

export type SqliteDatabase = Database.Database;

export interface SqliteOptions {
  /** `NORMAL` survives a process crash; `FULL` also survives a power loss (one disk sync per commit). @default "NORMAL" */
  synchronous?: "NORMAL" | "FULL";
}

export function openDatabase(path: string, options: SqliteOptions = {}): SqliteDatabase {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${options.synchronous ?? "NORMAL"}`);
  db.pragma("busy_timeout = 5000");
  db.pragma("foreign_keys = ON");
  return db;
}

/** Applies the migrations not applied yet, each in its own transaction. */
export function migrate(db: SqliteDatabase): void {
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
  const applied = new Set((db.prepare("SELECT version FROM schema_migrations").all() as { version: number }[]).map((r) => r.version));
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sqlite);
      db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)").run(migration.version, migration.name, Date.now());
    })();
  }
}
