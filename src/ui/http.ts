// The run viewer's HTTP server: routes requests to the page's assets, the
// JSON API and the live feed, enforces access (the token for every change,
// loopback Host names, the token for reads too off loopback) and sets the
// security headers. Run ids travel URL-encoded in one path segment and are
// handled as data throughout: never as paths, markup or SQL.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Clock } from "../clock.js";
import { systemClock } from "../clock.js";
import { isStepchartError } from "../errors.js";
import { accessFor, newToken, TOKEN_HEADER } from "./access.js";
import { RUN_STATUSES, type RunApi } from "./api.js";
import { pageAssets } from "./assets.js";
import { liveFeed } from "./live.js";
import type { RunStatus } from "../store/store.js";

export interface UiServerOptions {
  api: RunApi;
  /** The token every change needs. @default a fresh random token */
  token?: string;
  /** The address to listen on. @default "127.0.0.1" */
  host?: string;
  /** @default 4300; 0 picks a free port */
  port?: number;
  /** How often an open page's view is checked against the store, in ms. @default 500 */
  pollMs?: number;
  /** @default the system clock */
  clock?: Clock;
  /** Receives unexpected errors (answered with 500). @default none */
  onError?: (error: unknown) => void;
}

export interface UiServer {
  /** The page's address, with the token in its fragment (`#token=…`, never sent to a server). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly token: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** Request bodies larger than this are refused: events are small. */
const MAX_BODY_BYTES = 64 * 1024;

const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cache-control": "no-store",
} as const;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Starts the run viewer's server; resolves once it listens.
 * @example
 * const ui = await startUiServer({ api: createRunApi({ engine, store, workflows }) });
 * console.log(ui.url); // http://127.0.0.1:4300/#token=…
 */
export async function startUiServer(options: UiServerOptions): Promise<UiServer> {
  const host = options.host ?? "127.0.0.1";
  const token = options.token ?? newToken();
  if (token.length < 16) throw new RangeError(`Expected a token of at least 16 characters, got ${token.length}`);
  const assets = pageAssets();
  const { api } = options;
  const live = liveFeed(api, { pollMs: options.pollMs ?? 500, clock: options.clock ?? systemClock, ...(options.onError ? { onError: options.onError } : {}) });
  let access = accessFor({ host, port: options.port ?? 4300, token });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    if (!access.hostAllowed(req)) throw new HttpError(403, "host_not_allowed", "This viewer answers only to its loopback address (127.0.0.1 or localhost)");
    const url = new URL(req.url ?? "/", "http://viewer.invalid");
    const method = req.method ?? "GET";
    const asset = assets.get(url.pathname);
    if (asset) {
      allow(method, ["GET", "HEAD"]);
      res.writeHead(200, { "content-type": asset.contentType, "content-length": asset.body.length });
      res.end(method === "HEAD" ? undefined : asset.body);
      return;
    }
    if (url.pathname === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    const segments = url.pathname.split("/").slice(1).map(decodeSegment);
    if (segments[0] !== "api") throw new HttpError(404, "not_found", "No such page");
    const authorized = access.hasToken(req);
    if (method === "POST" && !authorized) throw new HttpError(401, "unauthorized", `Changing a run needs the viewer's token in the ${TOKEN_HEADER} header (open the URL stepchart ui printed)`);
    if (access.readsNeedToken && !authorized) throw new HttpError(401, "unauthorized", `This viewer is not on a loopback address: every request needs its token in the ${TOKEN_HEADER} header`);

    const [, resource, runId, action, ...rest] = segments;
    if (resource === "session" && segments.length === 2) {
      allow(method, ["GET"]);
      return json(res, 200, { writable: authorized, readsNeedToken: access.readsNeedToken });
    }
    if (resource === "events" && segments.length === 2) {
      allow(method, ["GET"]);
      const run = url.searchParams.get("run");
      live.subscribe(res, run === null || run === "" ? undefined : run);
      return;
    }
    if (resource !== "runs" || rest.length > 0) throw new HttpError(404, "not_found", "No such API");
    if (runId === undefined || runId === "") {
      allow(method, ["GET"]);
      const status = url.searchParams.get("status");
      if (status !== null && status !== "" && !RUN_STATUSES.includes(status as RunStatus)) {
        throw new HttpError(400, "invalid_status", `Expected status to be one of ${RUN_STATUSES.join(", ")}, got ${JSON.stringify(status.slice(0, 40))}`);
      }
      const limitText = url.searchParams.get("limit");
      const limit = limitText === null ? undefined : Number(limitText);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000)) throw new HttpError(400, "invalid_limit", "Expected limit to be an integer from 1 to 1000");
      const runs = await api.list({ ...(status ? { status: status as RunStatus } : {}), ...(limit ? { limit } : {}) });
      return json(res, 200, { runs });
    }
    if (action === undefined) {
      allow(method, ["GET"]);
      const detail = await api.detail(runId);
      if (!detail) throw unknownRun(runId);
      return json(res, 200, detail);
    }
    if (action === "diagram.svg") {
      allow(method, ["GET"]);
      const svg = await api.diagram(runId);
      if (svg === undefined) throw new HttpError(404, "no_diagram", "No diagram: the run is unknown or its workflow is not registered with this viewer");
      res.writeHead(200, { "content-type": "image/svg+xml; charset=utf-8" });
      res.end(svg);
      return;
    }
    if (action === "signal") {
      allow(method, ["POST"]);
      const body = await readJson(req);
      if (typeof body !== "object" || body === null || Array.isArray(body) || typeof (body as { type?: unknown }).type !== "string") {
        throw new HttpError(400, "invalid_event", 'Expected a JSON object like {"type":"APPROVE", ...}');
      }
      return json(res, 200, await api.signal(runId, body as { type: string }));
    }
    if (action === "cancel") {
      allow(method, ["POST"]);
      return json(res, 200, await api.cancel(runId));
    }
    throw new HttpError(404, "not_found", "No such API");
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const { status, code, message } = describe(e);
      if (status === 500) options.onError?.(e);
      if (res.headersSent) res.end();
      else json(res, status, { error: { code, message } });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 4300, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  access = accessFor({ host, port, token });
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/#token=${token}`,
    host,
    port,
    token,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        live.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function allow(method: string, methods: string[]): void {
  if (!methods.includes(method)) throw new HttpError(405, "method_not_allowed", `Expected ${methods.join(" or ")}, got ${method}`);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, "invalid_path", "The URL holds a malformed %-escape");
  }
}

function unknownRun(runId: string): HttpError {
  return new HttpError(404, "unknown_run", `No run with id ${JSON.stringify(runId.slice(0, 200))} exists in this store`);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = req.headers["content-type"] ?? "";
  if (!/^application\/json\b/i.test(type)) throw new HttpError(415, "unsupported_media_type", "Expected a JSON body (content-type: application/json)");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, "body_too_large", `Expected a body of at most ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "invalid_json", "Expected the body to be JSON");
  }
}

/** The HTTP status of an error: the engine's validation codes map to 404/409/400. */
function describe(e: unknown): { status: number; code: string; message: string } {
  if (e instanceof HttpError) return { status: e.status, code: e.code, message: e.message };
  if (isStepchartError(e)) {
    const status =
      e.code === "unknown_run" ? 404 : e.code === "run_finished" || e.code === "event_not_accepted" ? 409 : e.code === "engine_closed" ? 503 : e.category === "validation" ? 400 : 500;
    if (status !== 500) return { status, code: e.code, message: e.message };
  }
  return { status: 500, code: "internal_error", message: "The viewer failed to answer; see its log" };
}
