// The run viewer's HTTP server: where it listens, who may change runs, which
// Host names it answers, the page's assets and headers, the live feed, and
// run ids that try to be paths, markup or SQL.
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approvalRouting } from "../../machines/approval-routing.js";
import { createEngine, sqliteStore, type Engine, type Store } from "../../src/index.js";
import { createRunApi } from "../../src/ui/api.js";
import { startUiServer, type UiServer } from "../../src/ui/http.js";

const TOKEN = "test-token-0123456789abcdef";
const review = { id: "exp-1", kind: "expense", confidence: 0.8 };

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: any;
}

/** One HTTP request with exactly these headers (fetch would not let a test set Host). */
function request(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string; host?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: options.host ?? "127.0.0.1", port, path, method: options.method ?? "GET", headers: { host: `127.0.0.1:${port}`, ...options.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

const post = (port: number, path: string, body: unknown, headers: Record<string, string> = {}) =>
  request(port, path, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json", ...headers } });

const HOSTILE_IDS = [
  "../../etc/passwd",
  "<img src=x onerror=alert(1)>",
  "'; DROP TABLE runs; --",
  "a/b?c=d#e",
  "100% sure",
  "räksmörgås ✓",
  " ",
];

let engine: Engine;
let store: Store;
let ui: UiServer;

beforeAll(async () => {
  store = sqliteStore(join(mkdtempSync(join(tmpdir(), "stepchart-ui-http-")), "runs.db"));
  engine = createEngine({ workflows: [approvalRouting], store, log: () => undefined });
  ui = await startUiServer({ api: createRunApi({ engine, store, workflows: [approvalRouting] }), token: TOKEN, port: 0, pollMs: 20 });
  for (const runId of ["exp-1", "exp-2", "exp-3", ...HOSTILE_IDS]) await engine.start("ApprovalRouting", review, { runId });
});

afterAll(async () => {
  await ui.close();
  await engine.close();
  await store.close();
});

describe("the run viewer's server", () => {
  it("listens on 127.0.0.1 by default and prints a URL that carries the token in its fragment", () => {
    expect(ui.server.address()).toMatchObject({ address: "127.0.0.1", port: ui.port });
    expect(ui.url).toBe(`http://127.0.0.1:${ui.port}/#token=${TOKEN}`);
  });

  it("generates a token when none is given", async () => {
    const other = await startUiServer({ api: createRunApi({ engine, store, workflows: [] }), port: 0 });
    try {
      expect(other.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(other.token).not.toBe(TOKEN);
    } finally {
      await other.close();
    }
  });

  it("refuses to send an event without the token (401) or with a wrong one, and leaves the run waiting", async () => {
    const none = await post(ui.port, "/api/runs/exp-1/signal", { type: "DECIDE", approved: true, by: "mallory" });
    expect([none.status, none.json.error.code]).toEqual([401, "unauthorized"]);
    const wrong = await post(ui.port, "/api/runs/exp-1/signal", { type: "DECIDE", approved: true, by: "mallory" }, { "x-stepchart-token": `${TOKEN.slice(0, -1)}x` });
    expect(wrong.status).toBe(401);
    const cancel = await post(ui.port, "/api/runs/exp-1/cancel", {});
    expect(cancel.status).toBe(401);
    expect((await engine.get("exp-1"))!.status).toBe("waiting");
  });

  it("sends an event with the token, and the run goes on to the end", async () => {
    const sent = await post(ui.port, "/api/runs/exp-2/signal", { type: "DECIDE", approved: true, by: "boss" }, { "x-stepchart-token": TOKEN });
    expect(sent.status).toBe(200);
    expect(sent.json.runId).toBe("exp-2");
    expect(await engine.result("exp-2")).toMatchObject({ decision: "approved", by: "boss" });
  });

  it("cancels a run with the token", async () => {
    const cancelled = await post(ui.port, "/api/runs/exp-3/cancel", {}, { "x-stepchart-token": TOKEN });
    expect([cancelled.status, cancelled.json.status]).toEqual([200, "cancelled"]);
  });

  it("answers an event the run does not take with 409 and a bad payload with 400, both with the engine's reason", async () => {
    const auth = { "x-stepchart-token": TOKEN };
    const notNow = await post(ui.port, "/api/runs/exp-1/signal", { type: "APPROVE" }, auth);
    expect([notNow.status, notNow.json.error.code, notNow.json.error.message]).toEqual([409, "event_not_accepted", "Run exp-1 cannot take APPROVE now; it waits for DECIDE"]);
    const badPayload = await post(ui.port, "/api/runs/exp-1/signal", { type: "DECIDE", approved: "yes" }, auth);
    expect(badPayload.status).toBe(400);
    const notAnEvent = await post(ui.port, "/api/runs/exp-1/signal", ["DECIDE"], auth);
    expect([notAnEvent.status, notAnEvent.json.error.code]).toEqual([400, "invalid_event"]);
    const notJson = await request(ui.port, "/api/runs/exp-1/signal", { method: "POST", body: "type=DECIDE", headers: { ...auth, "content-type": "application/x-www-form-urlencoded" } });
    expect(notJson.status).toBe(415);
    const tooLarge = await post(ui.port, "/api/runs/exp-1/signal", { type: "DECIDE", note: "x".repeat(70_000) }, auth);
    expect(tooLarge.status).toBe(413);
    const unknown = await post(ui.port, "/api/runs/nope/signal", { type: "DECIDE" }, auth);
    expect([unknown.status, unknown.json.error.code]).toEqual([404, "unknown_run"]);
  });

  it("refuses requests that name another host (DNS rebinding) with 403", async () => {
    const rebound = await request(ui.port, "/api/runs", { headers: { host: `evil.example:${ui.port}` } });
    expect(rebound.status).toBe(403);
    expect((await request(ui.port, "/api/runs", { headers: { host: `localhost:${ui.port}` } })).status).toBe(200);
  });

  it("serves the page, its script and its stylesheet from the package, with a strict Content-Security-Policy", async () => {
    const page = await request(ui.port, "/");
    expect([page.status, page.headers["content-type"]]).toEqual([200, "text/html; charset=utf-8"]);
    expect(page.text).toContain('<script type="module" src="/app.js"></script>');
    expect(page.text).not.toMatch(/https?:\/\//); // nothing from a CDN
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
    expect((await request(ui.port, "/app.js")).headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect((await request(ui.port, "/app.css")).headers["content-type"]).toBe("text/css; charset=utf-8");
    expect((await request(ui.port, "/nope")).status).toBe(404);
  });

  it("lists runs without the token on loopback, filters by status and refuses an unknown status", async () => {
    const all = await request(ui.port, "/api/runs");
    expect(all.json.runs.map((r: { runId: string }) => r.runId)).toEqual(expect.arrayContaining(["exp-1", ...HOSTILE_IDS]));
    const waiting = await request(ui.port, "/api/runs?status=cancelled");
    expect(waiting.json.runs.map((r: { runId: string }) => r.runId)).toEqual(["exp-3"]);
    const bad = await request(ui.port, "/api/runs?status=%3Cscript%3E");
    expect([bad.status, bad.json.error.code]).toEqual([400, "invalid_status"]);
  });

  it("handles hostile run ids as data: each is found by its URL-encoded id, signalled, and answered as JSON", async () => {
    for (const runId of HOSTILE_IDS) {
      const path = `/api/runs/${encodeURIComponent(runId)}`;
      const detail = await request(ui.port, path);
      expect([detail.status, detail.json.runId]).toEqual([200, runId]);
      expect(detail.headers["content-type"]).toBe("application/json; charset=utf-8");
      const diagram = await request(ui.port, `${path}/diagram.svg`);
      expect(diagram.headers["content-type"]).toBe("image/svg+xml; charset=utf-8");
    }
    const sent = await post(ui.port, `/api/runs/${encodeURIComponent(HOSTILE_IDS[1]!)}/signal`, { type: "DECIDE", approved: false, by: "boss" }, { "x-stepchart-token": TOKEN });
    expect(sent.status).toBe(200);
    expect(await engine.result(HOSTILE_IDS[1]!)).toMatchObject({ decision: "rejected" });
    const unknown = await request(ui.port, `/api/runs/${encodeURIComponent("<script>alert(1)</script>")}`);
    expect([unknown.status, unknown.headers["content-type"], unknown.json.error.code]).toEqual([404, "application/json; charset=utf-8", "unknown_run"]);
    expect((await request(ui.port, "/api/runs/%E0%A4%A")).status).toBe(400); // a malformed escape
    expect((await request(ui.port, "/api/runs/..%2F..%2Fetc%2Fpasswd")).json.runId).toBe("../../etc/passwd"); // the run of that id, nothing else
    expect((await request(ui.port, "/api/runs/../../etc/passwd")).status).toBe(404);
    expect((await request(ui.port, "/api/runs/a/b/signal")).status).toBe(404);
  });

  it("streams a change event when the run a page shows changes", async () => {
    const events: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port: ui.port, path: "/api/events?run=exp-1", headers: { host: `127.0.0.1:${ui.port}` } }, (res) => {
        expect(res.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
        let buffer = "";
        res.on("data", (chunk: Buffer) => {
          buffer += chunk.toString("utf8");
          for (const match of buffer.matchAll(/^event: (\w+)$/gm)) events.push(match[1]!);
          buffer = buffer.slice(buffer.lastIndexOf("\n\n") + 2);
          if (events.length === 2) void engine.signal("exp-1", { type: "DECIDE", approved: true, by: "boss" });
          if (events.filter((e) => e === "run").length === 2) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on("error", reject);
      req.end();
    });
    expect(events.slice(0, 2)).toEqual(["runs", "run"]);
  });
});

describe("the run viewer on a non-loopback address", () => {
  it("needs the token for reads too, and answers any Host name", async () => {
    const wide = await startUiServer({ api: createRunApi({ engine, store, workflows: [approvalRouting] }), token: TOKEN, host: "0.0.0.0", port: 0 });
    try {
      const anonymous = await request(wide.port, "/api/runs", { headers: { host: `stepchart.example:${wide.port}` } });
      expect([anonymous.status, anonymous.json.error.code]).toEqual([401, "unauthorized"]);
      const withToken = await request(wide.port, "/api/runs", { headers: { host: `stepchart.example:${wide.port}`, "x-stepchart-token": TOKEN } });
      expect(withToken.status).toBe(200);
      expect((await request(wide.port, "/")).status).toBe(200); // the page itself holds no run data
    } finally {
      await wide.close();
    }
  });
});
