// Cron schedules and the step result cache in PostgreSQL: a schedule's cursor
// moves by compare-and-set on its revision; a cached result is replaced by key.
import type { CacheFilter, CacheRecord, ScheduleRecord } from "../store.js";
import { query, type Queryable } from "./connection.js";
import type { Tables } from "./tables.js";

const SCHEDULE_COLUMNS = `name, workflow, cron, timezone, input, overlap, catchup, next_at AS "nextAt", last_run_id AS "lastRunId", buffered, starting, rev,
  created_at AS "createdAt", updated_at AS "updatedAt"`;
const CACHE_COLUMNS = `workflow, path, key, version, value, run_id AS "runId", created_at AS "createdAt", expires_at AS "expiresAt"`;

export async function getSchedule(db: Queryable, t: Tables, name: string): Promise<ScheduleRecord | undefined> {
  return (await query<ScheduleRecord>(db, `SELECT ${SCHEDULE_COLUMNS} FROM ${t.schedules} WHERE name = $1`, [name])).rows[0];
}

export async function listSchedules(db: Queryable, t: Tables): Promise<ScheduleRecord[]> {
  return (await query<ScheduleRecord>(db, `SELECT ${SCHEDULE_COLUMNS} FROM ${t.schedules} ORDER BY name COLLATE "C"`)).rows;
}

export async function saveSchedule(db: Queryable, t: Tables, s: ScheduleRecord, expectedRev?: number): Promise<boolean> {
  const values = [s.name, s.workflow, s.cron, s.timezone, s.input, s.overlap, s.catchup, s.nextAt, s.lastRunId, s.buffered, s.starting, s.rev, s.createdAt, s.updatedAt];
  if (expectedRev === undefined) {
    const result = await query(
      db,
      `INSERT INTO ${t.schedules} (name, workflow, cron, timezone, input, overlap, catchup, next_at, last_run_id, buffered, starting, rev, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (name) DO NOTHING`,
      values,
    );
    return result.rowCount === 1;
  }
  const result = await query(
    db,
    `UPDATE ${t.schedules} SET workflow = $2, cron = $3, timezone = $4, input = $5, overlap = $6, catchup = $7, next_at = $8, last_run_id = $9,
       buffered = $10, starting = $11, rev = $12, created_at = $13, updated_at = $14
     WHERE name = $1 AND rev = $15`,
    [...values, expectedRev],
  );
  return result.rowCount === 1;
}

export async function deleteSchedule(db: Queryable, t: Tables, name: string): Promise<boolean> {
  return (await query(db, `DELETE FROM ${t.schedules} WHERE name = $1`, [name])).rowCount === 1;
}

export async function getCached(db: Queryable, t: Tables, workflow: string, path: string, key: string): Promise<CacheRecord | undefined> {
  return (await query<CacheRecord>(db, `SELECT ${CACHE_COLUMNS} FROM ${t.stepCache} WHERE workflow = $1 AND path = $2 AND key = $3`, [workflow, path, key])).rows[0];
}

export async function putCached(db: Queryable, t: Tables, e: CacheRecord): Promise<void> {
  await query(
    db,
    `INSERT INTO ${t.stepCache} (workflow, path, key, version, value, run_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (workflow, path, key) DO UPDATE SET version = excluded.version, value = excluded.value, run_id = excluded.run_id,
       created_at = excluded.created_at, expires_at = excluded.expires_at`,
    [e.workflow, e.path, e.key, e.version, e.value, e.runId, e.createdAt, e.expiresAt],
  );
}

export async function invalidateCache(db: Queryable, t: Tables, filter: CacheFilter): Promise<number> {
  const where = ["workflow = $1"];
  const values: unknown[] = [filter.workflow];
  for (const [column, value] of [["path", filter.path], ["key", filter.key], ["version", filter.version]] as const) {
    if (value === undefined) continue;
    values.push(value);
    where.push(`${column} = $${values.length}`);
  }
  return (await query(db, `DELETE FROM ${t.stepCache} WHERE ${where.join(" AND ")}`, values)).rowCount ?? 0;
}
