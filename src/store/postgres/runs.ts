// Runs, their snapshots and their journal in PostgreSQL: reading them, and
// committing a batch (journal entries, snapshots, run updates and signal
// acknowledgements) in one transaction with a constant number of statements,
// whatever the number of runs in the batch.
import type pg from "pg";
import { LeaseLostError } from "../../errors.js";
import type { Batch, JournalEntry, LoadedRun, RunFilter, RunRecord, SnapshotRecord } from "../store.js";
import { FINAL_STATUSES } from "../store.js";
import { query, transaction, type Queryable } from "./connection.js";
import { movedLeases } from "./leases.js";
import { notifyAll } from "./notify.js";
import type { Tables } from "./tables.js";

const RUN_COLUMNS = `run_id AS "runId", workflow, version, hash, status, input, output, error, waiting_for AS "waitingFor", wake_at AS "wakeAt", seq,
  created_at AS "createdAt", updated_at AS "updatedAt"`;

export const FINAL = FINAL_STATUSES.map((s) => `'${s}'`).join(", ");

export async function createRun(
  pool: pg.Pool,
  t: Tables,
  run: RunRecord,
  snapshot: SnapshotRecord,
  workerId: string | undefined,
): Promise<{ created: boolean; run: RunRecord }> {
  return transaction(pool, async (client) => {
    const inserted = await query(
      client,
      `INSERT INTO ${t.runs} (run_id, workflow, version, hash, status, input, output, error, waiting_for, wake_at, seq, created_at, updated_at, owner, lease_gen)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT (run_id) DO NOTHING`,
      [
        ...[run.runId, run.workflow, run.version, run.hash, run.status, run.input, run.output, run.error, run.waitingFor],
        ...[run.wakeAt, run.seq, run.createdAt, run.updatedAt, workerId ?? null, workerId === undefined ? 0 : 1],
      ],
    );
    if (inserted.rowCount === 1) {
      await query(client, `INSERT INTO ${t.snapshots} (run_id, seq, data) VALUES ($1, $2, $3)`, [snapshot.runId, snapshot.seq, snapshot.data]);
      if (workerId === undefined) await notifyAll(client, t, "run", [run.runId]);
      return { created: true, run };
    }
    return { created: false, run: (await getRun(client, t, run.runId))! };
  });
}

export async function getRun(db: Queryable, t: Tables, runId: string): Promise<RunRecord | undefined> {
  return (await query<RunRecord>(db, `SELECT ${RUN_COLUMNS} FROM ${t.runs} WHERE run_id = $1`, [runId])).rows[0];
}

export async function listRuns(db: Queryable, t: Tables, filter: RunFilter): Promise<RunRecord[]> {
  const where: string[] = [];
  const values: unknown[] = [];
  if (filter.status !== undefined) {
    values.push(Array.isArray(filter.status) ? filter.status : [filter.status]);
    where.push(`status = ANY($${values.length}::text[])`);
  }
  if (filter.workflow !== undefined) {
    values.push(filter.workflow);
    where.push(`workflow = $${values.length}`);
  }
  values.push(Math.min(filter.limit ?? 100, Number.MAX_SAFE_INTEGER));
  const sql = `SELECT ${RUN_COLUMNS} FROM ${t.runs} ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at, run_id COLLATE "C" LIMIT $${values.length}`;
  return (await query<RunRecord>(db, sql, values)).rows;
}

export async function loadRun(pool: pg.Pool, t: Tables, runId: string): Promise<LoadedRun | undefined> {
  // One statement reads the run, its snapshot and the journal after it at one moment (no transaction needed).
  const { rows } = await query<{ run: RunRecord; snapshot: SnapshotRecord | null; journal: JournalEntry[] | null }>(
    pool,
    `SELECT row_to_json(r) AS run, row_to_json(s) AS snapshot,
       (SELECT json_agg(json_build_object('runId', j.run_id, 'seq', j.seq, 'at', j.at, 'ops', j.ops) ORDER BY j.seq)
          FROM ${t.journal} j WHERE j.run_id = $1 AND j.seq > COALESCE(s.seq, 0)) AS journal
     FROM (SELECT ${RUN_COLUMNS} FROM ${t.runs} WHERE run_id = $1) r
     LEFT JOIN (SELECT run_id AS "runId", seq, data FROM ${t.snapshots} WHERE run_id = $1) s ON true`,
    [runId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return { run: row.run, snapshot: row.snapshot ?? undefined, journal: row.journal ?? [] };
}

export async function journal(db: Queryable, t: Tables, runId: string): Promise<JournalEntry[]> {
  return (await query<JournalEntry>(db, `SELECT run_id AS "runId", seq, at, ops FROM ${t.journal} WHERE run_id = $1 ORDER BY seq`, [runId])).rows;
}

/**
 * Writes a batch inside the caller's transaction: the fenced runs locked and
 * checked first, then one statement per kind of write, the rows passed as arrays.
 */
export async function writeBatch(client: pg.PoolClient, t: Tables, batch: Batch): Promise<void> {
  const lost = await movedLeases(client, t, batch.leases);
  if (lost.length > 0) throw LeaseLostError.of(lost);
  if (batch.journal.length > 0) {
    const j = batch.journal;
    await query(
      client,
      `INSERT INTO ${t.journal} (run_id, seq, at, ops) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[])`,
      [j.map((e) => e.runId), j.map((e) => e.seq), j.map((e) => e.at), j.map((e) => e.ops)],
    );
  }
  if (batch.snapshots.length > 0) {
    // A run may appear twice in one batch: the later snapshot wins.
    const latest = [...new Map(batch.snapshots.map((s) => [s.runId, s])).values()];
    await query(
      client,
      `INSERT INTO ${t.snapshots} (run_id, seq, data) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])
       ON CONFLICT (run_id) DO UPDATE SET seq = excluded.seq, data = excluded.data`,
      [latest.map((s) => s.runId), latest.map((s) => s.seq), latest.map((s) => s.data)],
    );
  }
  if (batch.runs.length > 0) {
    const latest = [...new Map(batch.runs.map((r) => [r.runId, r])).values()];
    await query(
      client,
      `UPDATE ${t.runs} AS r SET status = u.status, output = u.output, error = u.error, waiting_for = u.waiting_for, wake_at = u.wake_at, seq = u.seq, updated_at = u.updated_at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[])
         AS u(run_id, status, output, error, waiting_for, wake_at, seq, updated_at)
       WHERE r.run_id = u.run_id`,
      [
        latest.map((r) => r.runId),
        latest.map((r) => r.status),
        latest.map((r) => r.output),
        latest.map((r) => r.error),
        latest.map((r) => r.waitingFor),
        latest.map((r) => r.wakeAt),
        latest.map((r) => r.seq),
        latest.map((r) => r.updatedAt),
      ],
    );
  }
  if (batch.delivered.length > 0) {
    await query(client, `UPDATE ${t.signals} SET delivered = TRUE WHERE id = ANY($1::bigint[])`, [batch.delivered]);
  }
  const ended = batch.runs.filter((r) => FINAL_STATUSES.includes(r.status)).map((r) => r.runId);
  await notifyAll(client, t, "ended", ended);
}

export async function unfinishedRuns(db: Queryable, t: Tables): Promise<string[]> {
  return (await query<{ run_id: string }>(db, `SELECT run_id FROM ${t.runs} WHERE status NOT IN (${FINAL}) ORDER BY created_at, run_id COLLATE "C"`)).rows.map((r) => r.run_id);
}

export async function dueRuns(db: Queryable, t: Tables, now: number, limit: number): Promise<string[]> {
  return (
    await query<{ run_id: string }>(
      db,
      `SELECT run_id FROM ${t.runs} WHERE wake_at IS NOT NULL AND wake_at <= $1 AND status NOT IN (${FINAL}) ORDER BY wake_at LIMIT $2`,
      [now, limit],
    )
  ).rows.map((r) => r.run_id);
}

export async function nextWakeAt(db: Queryable, t: Tables, after: number): Promise<number | null> {
  return (await query<{ at: number | null }>(db, `SELECT MIN(wake_at) AS at FROM ${t.runs} WHERE wake_at > $1 AND status NOT IN (${FINAL})`, [after])).rows[0]!.at;
}
