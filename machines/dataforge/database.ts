// The DataForge database: documents, their entities, and a full-text index
// (SQLite FTS5). One connection per path for the process; the schema is
// created on first open.
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";

const open = new Map<string, Database.Database>();

/** Where DataForge keeps its data: `STEPCHART_DATAFORGE_DB` or `.stepchart/dataforge.db`. */
export function dataforgePath(): string {
  return resolve(process.env.STEPCHART_DATAFORGE_DB ?? ".stepchart/dataforge.db");
}

export function dataforgeDb(path = dataforgePath()): Database.Database {
  let db = open.get(path);
  if (!db) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    db.pragma("journal_mode = WAL");
    db.exec(`
      CREATE TABLE IF NOT EXISTS documents (
        id TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        type TEXT NOT NULL,
        confidence REAL NOT NULL,
        status TEXT NOT NULL,
        reason TEXT
      );
      CREATE TABLE IF NOT EXISTS entities (
        doc_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (doc_id, kind, value)
      );
      CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5(doc_id UNINDEXED, type UNINDEXED, text);
    `);
    open.set(path, db);
  }
  return db;
}

export interface SearchHit {
  docId: string;
  type: string;
  snippet: string;
}

/** Full-text search over the indexed documents, best matches first. */
export function search(terms: string, db = dataforgeDb()): SearchHit[] {
  const query = terms
    .split(/\s+/)
    .filter(Boolean)
    .map((t) => `"${t.replace(/"/g, '""')}"`)
    .join(" ");
  if (!query) return [];
  return db
    .prepare(
      "SELECT doc_id AS docId, type, snippet(documents_fts, 2, '[', ']', '…', 8) AS snippet FROM documents_fts WHERE documents_fts MATCH ? ORDER BY rank LIMIT 20",
    )
    .all(query) as SearchHit[];
}

export function closeDataforge(): void {
  for (const db of open.values()) db.close();
  open.clear();
}
