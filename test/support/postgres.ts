// The real PostgreSQL for tests: DATABASE_URL (default: the local cluster's
// `test` database), a fresh schema per test file so that parallel runs and
// other engineers' runs never collide, dropped when the file is done.
import { randomBytes } from "node:crypto";
import pg from "pg";

export const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** A new schema name, unique to this test file and run. */
export function freshSchema(prefix = "stepchart_test"): string {
  return `${prefix}_${randomBytes(6).toString("hex")}`;
}

/** Drops the schemas (and everything in them). */
export async function dropSchemas(...schemas: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
