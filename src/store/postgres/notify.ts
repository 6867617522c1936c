// Notices through LISTEN/NOTIFY. Writers send them inside their transaction
// (PostgreSQL delivers them on commit, never for a rolled-back one); each
// store that listens holds one connection of its pool for LISTEN and, when
// that connection breaks, reconnects with backoff and reports `reconnected`
// so the engine looks for what it may have missed.
import type pg from "pg";
import type { Notice } from "../store.js";
import { identifier, query, type Queryable } from "./connection.js";
import type { Tables } from "./tables.js";

type Kind = "run" | "signal" | "ended";

/** The channel of a schema: the schema's name (an identifier, so at most 63 bytes). */
export function channelOf(t: Tables): string {
  return t.schema;
}

/** Sends one notice per run id (none when the list is empty). */
export async function notifyAll(db: Queryable, t: Tables, kind: Kind, runIds: string[]): Promise<void> {
  if (runIds.length === 0) return;
  await query(db, `SELECT pg_notify($1, $2 || ':' || id) FROM unnest($3::text[]) AS id`, [channelOf(t), kind, runIds]);
}

function parse(payload: string | undefined): Notice | undefined {
  const colon = payload?.indexOf(":") ?? -1;
  if (payload === undefined || colon < 0) return undefined;
  const kind = payload.slice(0, colon);
  if (kind !== "run" && kind !== "signal" && kind !== "ended") return undefined;
  return { kind, runId: payload.slice(colon + 1) };
}

const RETRY_MS = [50, 100, 250, 500, 1000, 2000, 5000];

/** Listens on the schema's channel until the returned function is called. */
export function listen(pool: pg.Pool, t: Tables, listener: (notice: Notice) => void): Promise<() => Promise<void>> {
  return listenChannel(pool, channelOf(t), (payload) => {
    const notice = parse(payload);
    if (notice) listener(notice);
  }, () => listener({ kind: "reconnected" }));
}

/** Listens on `channel` until the returned function is called; `onReconnected` after a lost connection is back. */
export async function listenChannel(
  pool: pg.Pool,
  channel: string,
  onPayload: (payload: string | undefined) => void,
  onReconnected: () => void = () => undefined,
): Promise<() => Promise<void>> {
  let stopped = false;
  let client: pg.PoolClient | undefined;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;

  const onNotification = (message: pg.Notification) => {
    if (message.channel === channel) onPayload(message.payload);
  };

  const connect = async (): Promise<void> => {
    const next = await pool.connect();
    if (stopped) return next.release();
    next.on("error", () => lost(next));
    next.on("end", () => lost(next));
    try {
      await next.query(`LISTEN ${identifier(channel)}`);
    } catch (e) {
      next.release(e as Error);
      throw e;
    }
    next.on("notification", onNotification);
    client = next;
    failures = 0;
  };

  const lost = (broken: pg.PoolClient) => {
    if (client !== broken) return;
    client = undefined;
    broken.removeListener("notification", onNotification);
    try {
      broken.release(new Error("LISTEN connection lost"));
    } catch {
      // released already
    }
    if (stopped || retry) return;
    const again = () => {
      retry = undefined;
      if (stopped) return;
      connect().then(
        () => onReconnected(),
        () => {
          failures++;
          retry = setTimeout(again, RETRY_MS[Math.min(failures, RETRY_MS.length - 1)]).unref();
        },
      );
    };
    retry = setTimeout(again, RETRY_MS[0]).unref();
  };

  await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    const held = client;
    client = undefined;
    if (!held) return;
    held.removeListener("notification", onNotification);
    try {
      await held.query(`UNLISTEN ${identifier(channel)}`);
      held.release();
    } catch (e) {
      held.release(e as Error);
    }
  };
}
