// Live updates for the page, as Server-Sent Events: the server polls the
// store (runs of other processes change it too, and the store has no change
// notification) and tells each open page when the list of runs, or the run it
// shows, has changed; the page then fetches what it needs.
import type { ServerResponse } from "node:http";
import type { Clock } from "../clock.js";
import type { RunApi } from "./api.js";

export interface LiveFeed {
  /** Streams change events to `res` until the client goes away or the feed closes. */
  subscribe(res: ServerResponse, runId: string | undefined): void;
  /** Ends every stream. */
  close(): void;
}

/** SSE comments keep proxies and the browser from dropping a quiet stream. */
const KEEP_ALIVE_MS = 15_000;

export interface LiveFeedOptions {
  /** How often each open page's view is checked against the store. */
  pollMs: number;
  clock: Clock;
  onError?: (error: unknown) => void;
}

/**
 * The change feed the page listens to (`event: runs`, `event: run`).
 * @example
 * const live = liveFeed(api, { pollMs: 500, clock: systemClock });
 * live.subscribe(res, "exp-1");
 */
export function liveFeed(api: RunApi, options: LiveFeedOptions): LiveFeed {
  const { clock } = options;
  const streams = new Set<() => void>();
  return {
    subscribe(res, runId) {
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive" });
      res.write(`retry: 2000\n\n`);
      let last: { list: string; run: string } | undefined;
      let open = true;
      let timer: unknown;
      let sinceKeepAlive = 0;
      const poll = async () => {
        try {
          const now = await api.version(runId);
          if (!open) return; // the page went away while the store was read
          if (last === undefined || now.list !== last.list) res.write(`event: runs\ndata: ${JSON.stringify({ version: now.list })}\n\n`);
          if (runId !== undefined && (last === undefined || now.run !== last.run)) res.write(`event: run\ndata: ${JSON.stringify({ version: now.run })}\n\n`);
          last = now;
          sinceKeepAlive += options.pollMs;
          if (sinceKeepAlive >= KEEP_ALIVE_MS) {
            sinceKeepAlive = 0;
            res.write(`: keep-alive\n\n`);
          }
        } catch (e) {
          options.onError?.(e);
        }
        // One poll at a time: the next is scheduled once this one is over.
        if (open) timer = clock.setTimeout(() => void poll(), options.pollMs);
      };
      const stop = () => {
        if (!open) return;
        open = false;
        if (timer !== undefined) clock.clearTimeout(timer);
        streams.delete(stop);
        res.end();
      };
      streams.add(stop);
      res.on("close", stop);
      void poll();
    },
    close() {
      for (const stop of [...streams]) stop();
    },
  };
}
