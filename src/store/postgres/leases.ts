// Leases in PostgreSQL. A worker's lease is one row in `workers`, renewed by
// its heartbeat; a run names the worker that holds it (`owner`) and the
// generation of that hold (`lease_gen`), which moves on every claim. A run is
// free when nobody holds it or its holder's lease has lapsed. Claims lock the
// run rows they take (`FOR UPDATE SKIP LOCKED`), so workers claiming at once
// take different runs and never wait on each other; the generation fences the
// commits of a worker that lost a run (runs.ts).
import type pg from "pg";
import type { Lease } from "../store.js";
import { query, transaction, type Queryable } from "./connection.js";
import { notifyAll } from "./notify.js";
import type { Tables } from "./tables.js";

export const ACTIVE = "'running', 'waiting', 'escalated'";

/** SQL true when the run `r` is free for `$worker` at `$now` (parameters named by the caller). */
function free(t: Tables, worker: string, now: string): string {
  return `(r.owner IS NULL OR r.owner = ${worker} OR NOT EXISTS (SELECT 1 FROM ${t.workers} w WHERE w.id = r.owner AND w.lease_until >= ${now}))`;
}

export async function heartbeat(pool: pg.Pool, t: Tables, workerId: string, now: number, until: number): Promise<boolean> {
  // The self-join reads the lease as it was before this statement replaced it.
  const renewed = await query<{ before: number }>(
    pool,
    `UPDATE ${t.workers} w SET lease_until = $2 FROM ${t.workers} old WHERE w.id = $1 AND old.id = $1 RETURNING old.lease_until AS before`,
    [workerId, until],
  );
  const before = renewed.rows[0]?.before;
  if (before !== undefined) return before >= now;
  await query(pool, `INSERT INTO ${t.workers} (id, lease_until) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET lease_until = excluded.lease_until`, [workerId, until]);
  return true;
}

export async function retire(pool: pg.Pool, t: Tables, workerId: string): Promise<void> {
  await transaction(pool, async (client) => {
    await query(client, `DELETE FROM ${t.workers} WHERE id = $1`, [workerId]);
    const { rows } = await query<{ run_id: string; active: boolean }>(
      client,
      `UPDATE ${t.runs} SET owner = NULL WHERE owner = $1 RETURNING run_id, status IN (${ACTIVE}) AS active`,
      [workerId],
    );
    await notifyAll(client, t, "run", rows.filter((r) => r.active).map((r) => r.run_id));
  });
}

export async function claimRun(db: Queryable, t: Tables, runId: string, workerId: string, now: number, force: boolean): Promise<number | undefined> {
  const { rows } = await query<{ lease_gen: number }>(
    db,
    `UPDATE ${t.runs} r SET owner = $2, lease_gen = r.lease_gen + 1
     WHERE r.run_id = $1 AND r.status IN (${ACTIVE}) AND ($4 OR ${free(t, "$2", "$3")})
     RETURNING r.lease_gen`,
    [runId, workerId, now, force],
  );
  return rows[0]?.lease_gen;
}

export async function claimRuns(db: Queryable, t: Tables, workerId: string, now: number, limit: number): Promise<Lease[]> {
  const { rows } = await query<{ run_id: string; lease_gen: number; created_at: number }>(
    db,
    `WITH claimable AS (
       SELECT r.run_id FROM ${t.runs} r
       WHERE r.status IN (${ACTIVE})
         AND (r.status = 'running' OR r.wake_at <= $2 OR EXISTS (SELECT 1 FROM ${t.signals} s WHERE s.run_id = r.run_id AND NOT s.delivered))
         AND r.owner IS DISTINCT FROM $1 AND ${free(t, "$1", "$2")}
       ORDER BY r.created_at, r.run_id COLLATE "C"
       LIMIT $3
       FOR UPDATE OF r SKIP LOCKED
     )
     UPDATE ${t.runs} r SET owner = $1, lease_gen = r.lease_gen + 1 FROM claimable c WHERE r.run_id = c.run_id
     RETURNING r.run_id, r.lease_gen, r.created_at`,
    [workerId, now, limit],
  );
  rows.sort((a, b) => a.created_at - b.created_at || (a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : 0));
  return rows.map((r) => ({ runId: r.run_id, generation: r.lease_gen }));
}

export async function releaseRun(db: Queryable, t: Tables, lease: Lease, workerId: string): Promise<boolean> {
  const { rows } = await query<{ pending: boolean }>(
    db,
    `UPDATE ${t.runs} r SET owner = NULL WHERE r.run_id = $1 AND r.lease_gen = $2 AND r.owner = $3
     RETURNING EXISTS (SELECT 1 FROM ${t.signals} s WHERE s.run_id = r.run_id AND NOT s.delivered) AS pending`,
    [lease.runId, lease.generation, workerId],
  );
  return rows[0]?.pending ?? false;
}

/** Locks the batch's runs (in one order, so commits never deadlock) and returns those whose generation moved. */
export async function movedLeases(client: pg.PoolClient, t: Tables, leases: Lease[]): Promise<string[]> {
  if (leases.length === 0) return [];
  const expected = new Map(leases.map((l) => [l.runId, l.generation]));
  const { rows } = await query<{ run_id: string; lease_gen: number }>(
    client,
    `SELECT run_id, lease_gen FROM ${t.runs} WHERE run_id = ANY($1::text[]) ORDER BY run_id COLLATE "C" FOR UPDATE`,
    [[...expected.keys()]],
  );
  const found = new Map(rows.map((r) => [r.run_id, r.lease_gen]));
  return [...expected].filter(([runId, generation]) => found.get(runId) !== generation).map(([runId]) => runId);
}
