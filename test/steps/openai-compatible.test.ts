import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DefinitionError, DependencyError, LogicError, ResourceError, TransientError, ValidationError, type StepchartError } from "../../src/index.js";
import { openAICompatible } from "../../steps/llm/openai-compatible.js";
import { chatCompletion, chatCompletions, type ChatRequest } from "../support/chat-completions.js";
import { closedPortUrl, json, startServer, type LocalServer } from "../support/http-server.js";

let server: LocalServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const client = (options: { apiKey?: string; timeout?: number } = {}) =>
  openAICompatible({ baseUrl: `${server.url}/v1`, model: "llama3.2", apiKey: "sk-test", ...options });

async function failureOf(promise: Promise<unknown>): Promise<StepchartError> {
  return promise.then(
    () => expect.fail("Expected the completion to fail, got an answer"),
    (e: StepchartError) => e,
  );
}

const where = () => `POST ${server.url}/v1/chat/completions`;

describe("openAICompatible completions", () => {
  it("POSTs one user message to {baseUrl}/chat/completions with the bearer key and answers choices[0].message.content", async () => {
    const seen: ChatRequest[] = [];
    server.answer(chatCompletions({ apiKey: "sk-test", reply: (r) => (seen.push(r), "billing") }));
    expect(await client().complete("Which team?")).toEqual({ text: "billing" });
    expect(seen).toEqual([{ model: "llama3.2", messages: [{ role: "user", content: "Which team?" }] }]);
    const req = server.requests.at(-1)!;
    expect([req.headers.authorization, req.headers["content-type"]]).toEqual(["Bearer sk-test", "application/json"]);
  });

  it("sends max_tokens and temperature when asked for them", async () => {
    const seen: ChatRequest[] = [];
    server.answer(chatCompletions({ reply: (r) => (seen.push(r), "ok") }));
    await client().complete("Hi", { maxTokens: 5, temperature: 0 });
    expect(seen[0]).toMatchObject({ max_tokens: 5, temperature: 0 });
  });

  it("sends no Authorization header without an apiKey and accepts a baseUrl ending in a slash", async () => {
    server.answer(chatCompletions({ reply: () => "ok" }));
    const local = openAICompatible({ baseUrl: `${server.url}/v1/`, model: "llama3.2" });
    expect(await local.complete("Hi")).toEqual({ text: "ok" });
    const req = server.requests.at(-1)!;
    expect([req.url, req.headers.authorization]).toEqual(["/v1/chat/completions", undefined]);
  });

  it("rejects with the abort reason and closes the request when the caller's signal fires", async () => {
    server.answer(() => undefined); // holds the answer
    const controller = new AbortController();
    const pending = client().complete("Hi", { signal: controller.signal });
    const req = await server.nextRequest();
    controller.abort(new Error("withdrawn"));
    await expect(pending).rejects.toThrow("withdrawn");
    await req.closed;
  });
});

describe("openAICompatible failures", () => {
  it("fails with a LogicError coded http_401 that says to check the API key, and never shows the key", async () => {
    server.answer(chatCompletions({ apiKey: "sk-right", reply: () => "x" }));
    const error = await failureOf(client({ apiKey: "sk-wrong" }).complete("Hi"));
    expect(error).toBeInstanceOf(LogicError);
    expect(error.code).toBe("http_401");
    expect(error.message).toBe(
      `${where()} answered 401 Unauthorized: the server did not accept the API key; check that \`apiKey\` is set and valid for this server`,
    );
    expect(JSON.stringify(error.toJSON())).not.toContain("sk-wrong");
  });

  it("fails with a LogicError coded http_403 about the key's permissions and the model", async () => {
    server.answer((_req, res) => json(res, 403, { error: { message: "not allowed" } }));
    const error = await failureOf(client().complete("Hi"));
    expect([error.category, error.code]).toEqual(["logic", "http_403"]);
    expect(error.message).toBe(
      `${where()} answered 403 Forbidden: the API key may not use model "llama3.2" on this server; check the key's permissions and the model name`,
    );
  });

  it("fails with a LogicError coded http_404 pointing at the version in baseUrl when the /v1 is missing", async () => {
    server.answer(chatCompletions({ reply: () => "x" }));
    const error = await failureOf(openAICompatible({ baseUrl: server.url, model: "llama3.2" }).complete("Hi"));
    expect([error.category, error.code]).toEqual(["logic", "http_404"]);
    expect(error.message).toBe(
      `POST ${server.url}/chat/completions answered 404 Not Found: no such endpoint or model; check that \`baseUrl\` ends with the API version (Ollama: http://127.0.0.1:11434/v1) and that model "llama3.2" exists on the server`,
    );
  });

  it("fails with a ResourceError coded http_429 whose retryAfterMs comes from Retry-After", async () => {
    server.answer((_req, res) => json(res, 429, { error: { message: "Rate limit reached" } }, { "retry-after": "7" }));
    const error = await failureOf(client().complete("Hi"));
    expect(error).toBeInstanceOf(ResourceError);
    expect([error.code, (error as ResourceError).retryAfterMs]).toEqual(["http_429", 7000]);
  });

  it("fails with a TransientError coded http_500 when the server fails", async () => {
    server.answer((_req, res) => json(res, 500, { error: { message: "model crashed" } }));
    const error = await failureOf(client().complete("Hi"));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.code).toBe("http_500");
    expect(error.message).toBe(`${where()} answered 500 Internal Server Error: the server failed this time and may succeed later; give the step a retry policy`);
  });

  it("fails with a ValidationError coded http_400 carrying the server's explanation when the prompt is refused", async () => {
    const body = { error: { message: "This model's maximum context length is 8192 tokens", code: "context_length_exceeded" } };
    server.answer((_req, res) => json(res, 400, body));
    const error = await failureOf(client().complete("a very long prompt"));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe("http_400");
    expect(error.details.body).toBe(JSON.stringify(body));
  });

  it("fails with a LogicError coded malformed_completion when the answer has no choices", async () => {
    server.answer((_req, res) => json(res, 200, { object: "list", data: [] }));
    const error = await failureOf(client().complete("Hi"));
    expect(error).toBeInstanceOf(LogicError);
    expect(error.code).toBe("malformed_completion");
    expect(error.message).toBe(
      `${where()} answered without a completion text from model "llama3.2": it has no \`choices\`; check that \`baseUrl\` points at an OpenAI-compatible API and that the model answers in text`,
    );
    expect(error.details.body).toBe('{"object":"list","data":[]}');
  });

  it("names the finish reason when the completion has no text", async () => {
    server.answer((_req, res) => json(res, 200, chatCompletion(null, "content_filter")));
    const error = await failureOf(client().complete("Hi"));
    expect(error.code).toBe("malformed_completion");
    expect(error.message).toContain(': choices[0].message.content is not a string (finish_reason "content_filter"); check that');
  });

  it("fails with a LogicError coded invalid_json_response when the answer is not JSON", async () => {
    server.answer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html>"));
    const error = await failureOf(client().complete("Hi"));
    expect([error.category, error.code]).toEqual(["logic", "invalid_json_response"]);
  });

  it("fails with a TransientError coded timeout when the model does not answer within `timeout`", async () => {
    server.answer(() => undefined); // holds the answer until the client gives up
    const error = await failureOf(client({ timeout: 20 }).complete("Hi"));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.code).toBe("timeout");
    expect(error.message).toBe(`${where()} got no complete answer within 20ms; raise \`timeout\` if the server is just slow, or check that it is healthy`);
  });

  it("fails with a DependencyError coded connection_refused when no server listens", async () => {
    const closed = await closedPortUrl();
    const error = await failureOf(openAICompatible({ baseUrl: `${closed}/v1`, model: "llama3.2" }).complete("Hi"));
    expect(error).toBeInstanceOf(DependencyError);
    expect(error.code).toBe("connection_refused");
    expect(error.message).toBe(
      `POST ${closed}/v1/chat/completions was refused: nothing accepts connections at ${closed.slice(7)}; start the server, or fix the host and port in the URL`,
    );
  });
});

describe("openAICompatible definitions", () => {
  it("refuses a baseUrl that is not an http(s) URL", () => {
    expect(() => openAICompatible({ baseUrl: "localhost:11434", model: "m" })).toThrow(DefinitionError);
    expect(() => openAICompatible({ baseUrl: "11434", model: "m" })).toThrow(
      'Expected `baseUrl` of openAICompatible to be an http(s) URL such as "http://127.0.0.1:11434/v1", got "11434"',
    );
  });

  it("refuses a missing model name", () => {
    expect(() => openAICompatible({ baseUrl: "http://127.0.0.1:11434/v1", model: "" })).toThrow(
      'Expected `model` of openAICompatible to be the model\'s name on the server (such as "llama3.2"), got ""',
    );
  });
});
