// Signals in PostgreSQL: recorded before delivery, pending until a commit
// acknowledges them (see runs.ts writeBatch).
import type { SignalRecord } from "../store.js";
import { query, type Queryable } from "./connection.js";
import type { Tables } from "./tables.js";

const SIGNAL_COLUMNS = `id, run_id AS "runId", event, created_at AS "createdAt"`;

export async function addSignal(db: Queryable, t: Tables, runId: string, event: string, at: number): Promise<SignalRecord> {
  const { rows } = await query<{ id: number }>(db, `INSERT INTO ${t.signals} (run_id, event, created_at) VALUES ($1, $2, $3) RETURNING id`, [runId, event, at]);
  return { id: rows[0]!.id, runId, event, createdAt: at };
}

export async function pendingSignals(db: Queryable, t: Tables, runId?: string): Promise<SignalRecord[]> {
  const { rows } =
    runId === undefined
      ? await query<SignalRecord>(db, `SELECT ${SIGNAL_COLUMNS} FROM ${t.signals} WHERE NOT delivered ORDER BY id`)
      : await query<SignalRecord>(db, `SELECT ${SIGNAL_COLUMNS} FROM ${t.signals} WHERE NOT delivered AND run_id = $1 ORDER BY id`, [runId]);
  return rows;
}
