// The PostgreSQL schema: every table of the store lives in its own schema
// (`stepchart` unless configured), brought up to date from MIGRATIONS under an
// advisory lock, so that many workers starting at once apply each migration
// exactly once.
import type pg from "pg";
import { ValidationError } from "../../errors.js";
import { MIGRATIONS } from "../migrations.js";
import { identifier, query, transaction } from "./connection.js";

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Checks a schema name; PostgreSQL folds unquoted names, so we keep them plain to stay readable in psql. */
export function checkSchemaName(name: unknown): string {
  if (typeof name !== "string" || !SCHEMA_NAME.test(name)) {
    throw new ValidationError(`Expected the PostgreSQL schema name to be letters, digits and underscores (at most 63, not starting with a digit), got ${JSON.stringify(name)}`, {
      code: "invalid_schema_name",
    });
  }
  return name;
}

/** Applies the migrations not applied yet to `schema`, in one transaction under a lock on the schema's name. */
export async function migrate(pool: pg.Pool, schema: string): Promise<void> {
  const s = identifier(schema);
  await transaction(pool, async (client) => {
    await query(client, "SELECT pg_advisory_xact_lock(hashtext($1))", [`stepchart.migrate.${schema}`]);
    await query(client, `CREATE SCHEMA IF NOT EXISTS ${s}`);
    await query(client, `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`);
    const applied = new Set((await query<{ version: number }>(client, `SELECT version FROM ${s}.schema_migrations`)).rows.map((r) => r.version));
    await query(client, `SET LOCAL search_path TO ${s}`);
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.postgres);
      await query(client, `INSERT INTO ${s}.schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, [migration.version, migration.name, Date.now()]);
    }
  });
}
