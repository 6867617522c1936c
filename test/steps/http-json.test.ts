import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  DefinitionError,
  DependencyError,
  LogicError,
  ResourceError,
  start,
  run,
  TransientError,
  ValidationError,
  workflow,
  WorkflowFailed,
  type Flow,
} from "../../src/index.js";
import { httpJson } from "../../steps/http-json.js";
import { closedPortUrl, json, startServer, type LocalServer } from "../support/http-server.js";

let server: LocalServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const quiet = { runId: "run-1", log: () => undefined };

/** Runs `flow` as a workflow and returns the step's error (the cause of WorkflowFailed). */
async function failureOf<TInput>(flow: Flow<TInput>, input: TInput) {
  const error = await run(workflow("W", flow), input, quiet).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailed);
  return (error as WorkflowFailed).cause;
}

const getItem = (options: { timeout?: number } = {}) =>
  httpJson("GetItem", { url: (i: { id: string }) => `${server.url}/items/${i.id}?token=secret-123`, ...options });

describe("httpJson requests", () => {
  it("GETs the URL computed from the input and returns the parsed JSON answer", async () => {
    server.answer((_req, res) => json(res, 200, { id: "42", name: "lamp" }));
    const out = await run(workflow("W", getItem()), { id: "42" }, quiet);
    expect(out).toEqual({ id: "42", name: "lamp" });
    const req = server.requests.at(-1)!;
    expect([req.method, req.url, req.headers.accept]).toEqual(["GET", "/items/42?token=secret-123", "application/json"]);
    expect(req.headers["idempotency-key"]).toBeUndefined();
  });

  it("POSTs the body as JSON with the step's idempotencyKey as Idempotency-Key when a body is given", async () => {
    server.answer((_req, res) => json(res, 201, { ok: true }));
    const create = httpJson("CreateOrder", { url: () => `${server.url}/orders`, body: (o: { sku: string }) => ({ sku: o.sku, qty: 1 }) });
    expect(await run(workflow("W", create), { sku: "A-1" }, quiet)).toEqual({ ok: true });
    const req = server.requests.at(-1)!;
    expect(req.method).toBe("POST");
    expect(JSON.parse(req.body)).toEqual({ sku: "A-1", qty: 1 });
    expect(req.headers["content-type"]).toBe("application/json");
    expect(req.headers["idempotency-key"]).toBe("run-1:CreateOrder:1");
  });

  it("sends the headers computed from the input, which win over the defaults", async () => {
    server.answer((_req, res) => json(res, 200, {}));
    const put = httpJson("Put", {
      method: "PUT",
      url: () => `${server.url}/x`,
      body: () => ({}),
      headers: (i: { token: string }) => ({ authorization: `Bearer ${i.token}`, "Idempotency-Key": "mine" }),
    });
    await run(workflow("W", put), { token: "t0k" }, quiet);
    const req = server.requests.at(-1)!;
    expect([req.method, req.headers.authorization, req.headers["idempotency-key"]]).toEqual(["PUT", "Bearer t0k", "mine"]);
  });

  it("returns null for an empty 204 answer to a DELETE", async () => {
    server.answer((_req, res) => res.writeHead(204).end());
    const remove = httpJson("Remove", { method: "DELETE", url: () => `${server.url}/items/1` });
    expect(await run(workflow("W", remove), null, quiet)).toBeNull();
    expect(server.requests.at(-1)!.headers["idempotency-key"]).toBe("run-1:Remove:1");
  });

  it("checks the answer against `output` and fails with a ValidationError listing the issue when it does not match", async () => {
    server.answer((_req, res) => json(res, 200, { id: 42 }));
    const typed = httpJson("GetTyped", { url: () => `${server.url}/typed`, output: z.object({ id: z.string() }) });
    const error = await failureOf(typed, null);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([["id"]]);
  });

  it("retries a 503 under the step's retry policy and returns the answer that follows", async () => {
    let calls = 0;
    server.answer((_req, res) => (++calls === 1 ? json(res, 503, { error: "busy" }) : json(res, 200, { calls })));
    const flaky = httpJson("Flaky", { url: () => `${server.url}/flaky`, retry: { maxRetries: 2, initialDelay: 1 } });
    expect(await run(workflow("W", flaky), null, quiet)).toEqual({ calls: 2 });
  });

  it("aborts its request when the step is withdrawn (the step's signal reaches fetch)", async () => {
    server.answer(() => undefined); // holds the answer
    const handle = start(workflow("W", getItem()), { id: "1" }, quiet);
    handle.result.catch(() => undefined);
    const req = await server.nextRequest();
    handle.actor.stop();
    await req.closed; // resolves only because the client closed the connection
    expect(req.url).toBe("/items/1?token=secret-123");
  });
});

describe("httpJson failures", () => {
  const where = () => `GET ${server.url}/items/7?…`;

  it("maps a 5xx to a TransientError coded http_503 that names the method and the URL without its query", async () => {
    server.answer((_req, res) => json(res, 503, { error: "maintenance" }, { "retry-after": "3" }));
    const error = await failureOf(getItem(), { id: "7" });
    expect(error).toBeInstanceOf(TransientError);
    expect([error.code, error.retryable]).toEqual(["http_503", true]);
    expect(error.message).toBe(`${where()} answered 503 Service Unavailable: the server failed this time and may succeed later; give the step a retry policy`);
    expect(error.details).toMatchObject({ method: "GET", url: `${server.url}/items/7?…`, status: 503, body: '{"error":"maintenance"}', retryAfterMs: 3000 });
    expect(JSON.stringify(error.details)).not.toContain("secret-123");
  });

  it("maps a 429 to a ResourceError whose retryAfterMs comes from Retry-After in seconds", async () => {
    server.answer((_req, res) => json(res, 429, {}, { "retry-after": "2" }));
    const error = await failureOf(getItem(), { id: "7" });
    expect(error).toBeInstanceOf(ResourceError);
    expect([error.code, (error as ResourceError).retryAfterMs]).toEqual(["http_429", 2000]);
    expect(error.message).toBe(
      `${where()} answered 429 Too Many Requests: the server's rate limit or quota is used up; wait 2000ms (Retry-After) before retrying, or send fewer requests`,
    );
  });

  it("measures a Retry-After date from the answer's own Date header", async () => {
    server.answer((_req, res) =>
      json(res, 429, {}, { date: "Wed, 21 Oct 2026 07:28:00 GMT", "retry-after": "Wed, 21 Oct 2026 07:30:00 GMT" }),
    );
    const error = await failureOf(getItem(), { id: "7" });
    expect((error as ResourceError).retryAfterMs).toBe(120_000);
  });

  it("leaves retryAfterMs unset on a 429 without Retry-After", async () => {
    server.answer((_req, res) => json(res, 429, {}));
    const error = await failureOf(getItem(), { id: "7" });
    expect(error).toBeInstanceOf(ResourceError);
    expect((error as ResourceError).retryAfterMs).toBeUndefined();
    expect(error.message).toContain("the server's rate limit or quota is used up; wait before retrying, or send fewer requests");
  });

  it("maps another 4xx to a ValidationError coded http_404 with the status and the answer's body in details", async () => {
    server.answer((_req, res) => json(res, 404, { error: "no item 7" }));
    const error = await failureOf(getItem(), { id: "7" });
    expect(error).toBeInstanceOf(ValidationError);
    expect([error.code, error.retryable]).toEqual(["http_404", false]);
    expect(error.message).toBe(
      `${where()} answered 404 Not Found: the server rejects this request as it is; check the URL, headers and body against the API (its answer is in \`details.body\`)`,
    );
    expect(error.details).toMatchObject({ status: 404, body: '{"error":"no item 7"}' });
  });

  it("maps a 2xx body that is not JSON to a LogicError coded invalid_json_response", async () => {
    server.answer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html>login</html>"));
    const error = await failureOf(getItem(), { id: "7" });
    expect(error).toBeInstanceOf(LogicError);
    expect(error.code).toBe("invalid_json_response");
    expect(error.message).toBe(
      `${where()} answered 200 with a body that is not JSON (content-type text/html); point the URL at the JSON API, or read this answer with a step of your own`,
    );
    expect((error.cause as Error).name).toBe("SyntaxError");
    expect(error.details).toMatchObject({ status: 200, contentType: "text/html", body: "<html>login</html>" });
  });

  it("fails with a TransientError coded timeout when the answer does not come within `timeout`", async () => {
    server.answer(() => undefined); // holds the answer until the client gives up
    const error = await failureOf(getItem({ timeout: 20 }), { id: "7" });
    expect(error).toBeInstanceOf(TransientError);
    expect(error.code).toBe("timeout");
    expect(error.message).toBe(`${where()} got no complete answer within 20ms; raise \`timeout\` if the server is just slow, or check that it is healthy`);
    expect(error.details).toMatchObject({ timeoutMs: 20 });
  });

  it("maps a refused connection to a DependencyError coded connection_refused", async () => {
    const closed = await closedPortUrl();
    const error = await failureOf(httpJson("Down", { url: () => `${closed}/health` }), null);
    expect(error).toBeInstanceOf(DependencyError);
    expect([error.code, error.details.errno]).toEqual(["connection_refused", "ECONNREFUSED"]);
    expect(error.message).toBe(
      `GET ${closed}/health was refused: nothing accepts connections at ${closed.slice(7)}; start the server, or fix the host and port in the URL`,
    );
  });

  it("maps a connection the server drops to a DependencyError coded connection_reset", async () => {
    server.answer((_req, res) => res.socket?.destroy());
    const error = await failureOf(getItem(), { id: "7" });
    expect(error).toBeInstanceOf(DependencyError);
    expect(error.code).toBe("connection_reset");
    expect(error.message).toBe(`${where()} lost its connection before the answer was complete; the server closed it or went down, so retry later`);
  });

  it("fails with a ValidationError coded invalid_url when the input gives no absolute http(s) URL", async () => {
    const error = await failureOf(httpJson("Get", { url: (i: { path: string }) => i.path }), { path: "/relative" });
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe("invalid_url");
    expect(error.message).toBe(
      'Expected the URL of step "Get" to be an absolute http(s) URL, got "/relative"; return one such as "https://api.example.com/items/42" from `url`',
    );
  });
});

describe("httpJson definitions", () => {
  it("refuses a body with GET when the step is defined", () => {
    expect(() => httpJson("G", { method: "GET", url: () => "http://x", body: () => ({}) })).toThrow(DefinitionError);
    expect(() => httpJson("G", { method: "GET", url: () => "http://x", body: () => ({}) })).toThrow(
      'Expected httpJson step "G" to have no `body` with method GET (fetch refuses one); use POST, PUT or PATCH',
    );
  });

  it("refuses a timeout that is not a positive duration", () => {
    expect(() => httpJson("G", { url: () => "http://x", timeout: 0 })).toThrow(
      'Expected `timeout` of httpJson step "G" to be a duration above 0 (milliseconds, or a string like "500ms", "30s", "5m"), got 0',
    );
  });

  it("accepts a timeout written as a duration string", () => {
    expect(httpJson("G", { url: () => "http://x", timeout: "1.5s" }).kind).toBe("step");
  });
});
