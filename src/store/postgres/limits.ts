// Limits shared by every worker on the store. A limit's bucket row is locked
// for the length of one short transaction, so takers of one limit line up
// there and takers of different limits never wait on each other: a rate
// refills its tokens from the time passed and takes one; a concurrency drops
// the holders whose lease ran out, counts the rest and adds one. Giving a
// permit back sends a notice (`permit:<name>`) on the schema's channel.
import type pg from "pg";
import type { PermitAnswer, PermitRequest } from "../store.js";
import { query, transaction, type Queryable } from "./connection.js";
import { channelOf } from "./notify.js";
import type { Tables } from "./tables.js";

export const PERMIT_NOTICE = "permit:";

export async function takePermit(pool: pg.Pool, t: Tables, r: PermitRequest): Promise<PermitAnswer> {
  return transaction(pool, async (client) => {
    await query(client, `INSERT INTO ${t.limitBuckets} (name, tokens, at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`, [r.name, r.limit, r.now]);
    const bucket = (await query<{ tokens: number; at: number }>(client, `SELECT tokens, at FROM ${t.limitBuckets} WHERE name = $1 FOR UPDATE`, [r.name])).rows[0]!;
    if (r.kind === "rate") {
      const tokens = Math.min(r.limit, bucket.tokens + (Math.max(0, r.now - bucket.at) / r.perMs) * r.limit);
      const granted = tokens >= 1;
      await query(client, `UPDATE ${t.limitBuckets} SET tokens = $2, at = $3 WHERE name = $1`, [r.name, granted ? tokens - 1 : tokens, Math.max(r.now, bucket.at)]);
      return { granted, retryAt: granted ? null : r.now + Math.max(1, Math.ceil(((1 - tokens) * r.perMs) / r.limit)) };
    }
    await query(client, `DELETE FROM ${t.limitHolders} WHERE name = $1 AND expires_at <= $2`, [r.name, r.now]);
    const held = (await query<{ n: number; next: number | null }>(client, `SELECT count(*)::int AS n, min(expires_at) AS next FROM ${t.limitHolders} WHERE name = $1`, [r.name])).rows[0]!;
    if (held.n >= r.limit) return { granted: false, retryAt: held.next };
    await query(client, `INSERT INTO ${t.limitHolders} (name, holder, expires_at) VALUES ($1, $2, $3)`, [r.name, r.holder, r.now + r.leaseMs]);
    return { granted: true, retryAt: null };
  });
}

export async function givePermit(db: Queryable, t: Tables, name: string, holder: string): Promise<void> {
  await query(
    db,
    `WITH given AS (DELETE FROM ${t.limitHolders} WHERE name = $1 AND holder = $2 RETURNING name)
     SELECT pg_notify($3, $4 || name) FROM given`,
    [name, holder, channelOf(t), PERMIT_NOTICE],
  );
}

export async function renewPermit(db: Queryable, t: Tables, name: string, holder: string, expiresAt: number): Promise<boolean> {
  return (await query(db, `UPDATE ${t.limitHolders} SET expires_at = $3 WHERE name = $1 AND holder = $2`, [name, holder, expiresAt])).rowCount === 1;
}
