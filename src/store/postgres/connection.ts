// The connection side of the PostgreSQL store: a pool (made from a URL, or the
// caller's own), queries whose BIGINT columns come back as numbers, and
// transactions that give a broken connection back to be destroyed rather than
// reused. It knows nothing of stepchart's tables.
import pg from "pg";

export type Queryable = Pick<pg.PoolClient, "query">;

/** BIGINT (int8) as a JS number: our BIGINTs are ms timestamps, sequence numbers and ids, all below 2^53. */
const TYPES = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as "text");
  },
};

/** Runs one statement with stepchart's type parsing (not the pool's global one, which may belong to the caller). */
export async function query<TRow extends pg.QueryResultRow = Record<string, any>>(db: Queryable, text: string, values: unknown[] = []): Promise<pg.QueryResult<TRow>> {
  return db.query<TRow>({ text, values, types: TYPES } as pg.QueryConfig);
}

/** Runs `body` in a transaction on one connection of `pool`; a connection that failed is destroyed, not reused. */
export async function transaction<T>(pool: pg.Pool, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query("BEGIN");
    const result = await body(client);
    await client.query("COMMIT");
    return result;
  } catch (e) {
    try {
      await client.query("ROLLBACK");
    } catch (rollbackError) {
      broken = rollbackError as Error;
    }
    throw e;
  } finally {
    client.release(broken);
  }
}

/** A pool for `url`; errors of idle connections (a restarted server) are reported, never thrown at the process. */
export function openPool(url: string, max: number, onError: (error: Error) => void): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on("error", onError);
  return pool;
}

/** `name` as a quoted SQL identifier (the caller has checked it). */
export function identifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
