// SQLite steps with rollback, written as user code: an upsert that undoes
// itself by deleting the rows it wrote, and a delete. Inserts are idempotent
// (keyed by the table's primary key), because a step may run again after a
// crash; SQLite errors are mapped to categories (busy/locked: transient; full
// or out of memory: resource; a constraint: validation; anything else: logic).
import type Database from "better-sqlite3";
import { LogicError, ResourceError, step, TransientError, ValidationError, type StepContext } from "stepchart";

export type Row = Record<string, string | number | bigint | null | Buffer>;

export interface SqliteInsertOptions<TInput> {
  /** The database (opened by you, kept open for the process). */
  db: () => Database.Database;
  table: string;
  /** The primary key columns: what the compensation deletes by. */
  key: readonly string[];
  /** The rows to write for this input. */
  rows: (input: TInput) => Row[];
}

/** What an insert step adds to its input: the keys it wrote, by step name (its compensation deletes them). */
export interface Written {
  written: Record<string, { table: string; keys: Row[] }>;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function ident(name: string, what: string): string {
  if (!IDENT.test(name)) throw new ValidationError(`Expected ${what} to be a plain SQL identifier, got ${JSON.stringify(name)}`, { code: "invalid_identifier" });
  return `"${name}"`;
}

/** Maps a better-sqlite3 error (SQLITE_* codes) to a stepchart category. */
export function sqliteError(thrown: unknown, where: string): Error {
  const code = (thrown as { code?: string }).code ?? "";
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return new TransientError(`${where}: the database is busy; try again`, { code: "database_busy", cause: thrown });
  }
  if (code === "SQLITE_FULL" || code === "SQLITE_NOMEM" || code === "SQLITE_IOERR_NOMEM") {
    return new ResourceError(`${where}: the database is out of space or memory`, { code: "database_full", cause: thrown });
  }
  if (code.startsWith("SQLITE_CONSTRAINT")) {
    return new ValidationError(`${where}: a row breaks a constraint of the table (${code})`, { code: "constraint_violation", cause: thrown });
  }
  return new LogicError(`${where}: the statement failed (${code || "no code"})`, { code: "database_error", cause: thrown });
}

/**
 * A step that upserts rows into a SQLite table and, as its compensation,
 * deletes exactly the rows it wrote (by primary key). Its output is its input
 * plus `written: { [step name]: { table, keys } }`.
 * @example
 * sqliteInsert("StoreEntities", { db, table: "entities", key: ["doc_id", "kind", "value"], rows: (d) => d.entities.map(...) });
 */
export function sqliteInsert<TInput extends object>(name: string, options: SqliteInsertOptions<TInput>) {
  const table = ident(options.table, `the table of "${name}"`);
  const keys = options.key.map((k) => ident(k, `a key column of "${name}"`));
  return step(
    name,
    (input: TInput, ctx: StepContext): TInput & Written => {
      const rows = options.rows(input);
      const db = options.db();
      try {
        db.transaction(() => {
          for (const row of rows) {
            const columns = Object.keys(row).map((c) => ident(c, `a column of "${name}"`));
            const sql = `INSERT INTO ${table} (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})
                         ON CONFLICT (${keys.join(", ")}) DO UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(", ")}`;
            db.prepare(sql).run(...Object.values(row));
          }
        })();
      } catch (e) {
        throw sqliteError(e, `step "${ctx.path}" writing ${rows.length} row(s) into ${options.table}`);
      }
      const keysWritten = rows.map((r) => Object.fromEntries(options.key.map((k) => [k, r[k] ?? null])) as Row);
      const before = (input as Partial<Written>).written ?? {};
      return { ...input, written: { ...before, [name]: { table: options.table, keys: keysWritten } } };
    },
    {
      compensate: (output: Written, ctx: StepContext) => {
        const db = options.db();
        const where = keys.map((k) => `${k} = ?`).join(" AND ");
        try {
          db.transaction(() => {
            for (const key of output.written[name]?.keys ?? []) db.prepare(`DELETE FROM ${table} WHERE ${where}`).run(...options.key.map((k) => key[k] ?? null));
          })();
        } catch (e) {
          throw sqliteError(e, `the compensation of "${ctx.path}" deleting from ${options.table}`);
        }
      },
    },
  );
}

/**
 * A step that deletes rows from a SQLite table.
 * @example
 * sqliteDelete("Forget", { db, table: "entities", where: (d) => ({ doc_id: d.id }) });
 */
export function sqliteDelete<TInput>(name: string, options: { db: () => Database.Database; table: string; where: (input: TInput) => Row }) {
  const table = ident(options.table, `the table of "${name}"`);
  return step(name, (input: TInput, ctx: StepContext) => {
    const where = options.where(input);
    const columns = Object.keys(where).map((c) => ident(c, `a column of "${name}"`));
    if (columns.length === 0) throw new ValidationError(`Expected "${name}" to delete by at least one column, got none`, { code: "unbounded_delete" });
    try {
      const info = options.db().prepare(`DELETE FROM ${table} WHERE ${columns.map((c) => `${c} = ?`).join(" AND ")}`).run(...Object.values(where));
      return { ...(input as object), deleted: info.changes };
    } catch (e) {
      throw sqliteError(e, `step "${ctx.path}" deleting from ${options.table}`);
    }
  });
}
