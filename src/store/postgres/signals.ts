// Signals in PostgreSQL: recorded before delivery, pending until a commit
// acknowledges them (see runs.ts writeBatch).
import type { SignalRecord } from "../store.js";
import type pg from "pg";
import { query, transaction, type Queryable } from "./connection.js";
import { notifyAll } from "./notify.js";
import type { Tables } from "./tables.js";

const SIGNAL_COLUMNS = `id, run_id AS "runId", event, created_at AS "createdAt"`;

/** Records a signal and tells the workers (the notice goes out with the commit). */
export async function addSignal(pool: pg.Pool, t: Tables, runId: string, event: string, at: number): Promise<SignalRecord> {
  return transaction(pool, async (client) => {
    const { rows } = await query<{ id: number }>(client, `INSERT INTO ${t.signals} (run_id, event, created_at) VALUES ($1, $2, $3) RETURNING id`, [runId, event, at]);
    await notifyAll(client, t, "signal", [runId]);
    return { id: rows[0]!.id, runId, event, createdAt: at };
  });
}

export async function pendingSignals(db: Queryable, t: Tables, runId?: string): Promise<SignalRecord[]> {
  const { rows } =
    runId === undefined
      ? await query<SignalRecord>(db, `SELECT ${SIGNAL_COLUMNS} FROM ${t.signals} WHERE NOT delivered ORDER BY id`)
      : await query<SignalRecord>(db, `SELECT ${SIGNAL_COLUMNS} FROM ${t.signals} WHERE NOT delivered AND run_id = $1 ORDER BY id`, [runId]);
  return rows;
}
