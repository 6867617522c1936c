import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DefinitionError,
  InvalidRouteError,
  llmRouter,
  LogicError,
  ResourceError,
  route,
  run,
  step,
  workflow,
  WorkflowFailed,
  type LlmClient,
  type LlmCompletionOptions,
  type StepContext,
} from "../../src/index.js";
import { openAICompatible } from "../../steps/llm/openai-compatible.js";
import { chatCompletions, type ChatRequest } from "../support/chat-completions.js";
import { json, startServer, type LocalServer } from "../support/http-server.js";

/** A model that gives canned answers and records what it was asked. */
function cannedModel(answer: string) {
  const calls: { prompt: string; opts: LlmCompletionOptions | undefined }[] = [];
  const llm: LlmClient = {
    complete: async (prompt, opts) => {
      calls.push({ prompt, opts });
      return { text: answer };
    },
  };
  return { llm, calls };
}

function stepContext(signal = new AbortController().signal): StepContext {
  const log = { debug() {}, info() {}, warn() {}, error() {} };
  return { runId: "r1", path: "Triage", attempt: 1, idempotencyKey: "r1:Triage:1", signal, log };
}

const routes = ["billing", "support"] as const;

/** What `promise` rejects with; fails the test when it resolves. */
async function rejectionOf<TError>(promise: string | Promise<unknown>): Promise<TError> {
  return Promise.resolve(promise).then(
    (value) => expect.fail(`Expected a rejection, got ${JSON.stringify(value)}`),
    (e: TError) => e,
  );
}

describe("llmRouter prompts", () => {
  it("asks for exactly one of the route names, shows the input as JSON and passes the step's signal", async () => {
    const { llm, calls } = cannedModel("support");
    const ctx = stepContext();
    expect(await llmRouter(llm)({ id: "T-1", text: "app crashes" }, ctx, routes)).toBe("support");
    expect(calls).toEqual([
      {
        prompt: [
          "Choose the route that should handle this input.",
          "",
          "Input:",
          '{\n  "id": "T-1",\n  "text": "app crashes"\n}',
          "",
          "Routes: billing, support",
          "Answer with exactly one route name from this list and nothing else.",
        ].join("\n"),
        opts: { signal: ctx.signal },
      },
    ]);
  });

  it("puts a string input into the prompt as it is, after the given instructions", async () => {
    const { llm, calls } = cannedModel("billing");
    await llmRouter(llm, { prompt: "Which team should answer this e-mail?" })("Refund my $20", stepContext(), routes);
    expect(calls[0]!.prompt).toBe(
      "Which team should answer this e-mail?\n\nInput:\nRefund my $20\n\nRoutes: billing, support\nAnswer with exactly one route name from this list and nothing else.",
    );
  });

  it("uses a prompt function's text in place of the instructions and the input", async () => {
    const { llm, calls } = cannedModel("billing");
    const choose = llmRouter(llm, { prompt: (t: { text: string }) => `Ticket: ${t.text}` });
    await choose({ text: "invoice wrong" }, stepContext(), routes);
    expect(calls[0]!.prompt).toBe("Ticket: invoice wrong\n\nRoutes: billing, support\nAnswer with exactly one route name from this list and nothing else.");
  });

  it("passes maxTokens and temperature to the client only when they are set", async () => {
    const { llm, calls } = cannedModel("billing");
    const ctx = stepContext();
    await llmRouter(llm, { maxTokens: 8, temperature: 0 })("x", ctx, routes);
    expect(calls[0]!.opts).toEqual({ signal: ctx.signal, maxTokens: 8, temperature: 0 });
  });

  it("fails with a LogicError coded input_not_serializable when the input cannot be written as JSON", async () => {
    const { llm } = cannedModel("billing");
    const error = await rejectionOf<LogicError>(llmRouter(llm)({ n: 1n }, stepContext(), routes));
    expect(error).toBeInstanceOf(LogicError);
    expect(error.code).toBe("input_not_serializable");
    expect(error.message).toBe(
      'llmRouter at "Triage" could not write its input as JSON for the prompt; pass `prompt: (input) => ...` that describes the input in words',
    );
  });
});

describe("llmRouter answers", () => {
  it.each([
    ["billing", "billing"],
    ["  Billing.  ", "billing"],
    ["`support`", "support"],
    ['"Support"', "support"],
    ["**billing**!", "billing"],
    ["support\nThe customer reports a crash.", "support"],
    ["<think>It mentions money, so billing.</think>\nbilling", "billing"],
  ])("reads %j as the route %j", async (answer, expected) => {
    expect(await llmRouter(cannedModel(answer).llm)("x", stepContext(), routes)).toBe(expected);
  });

  it("hands back an answer that names no route trimmed and cut to 200 characters, for route() to judge", async () => {
    expect(await llmRouter(cannedModel("  sales  ").llm)("x", stepContext(), routes)).toBe("sales");
    expect(await llmRouter(cannedModel("y".repeat(300)).llm)("x", stepContext(), routes)).toBe("y".repeat(200));
  });

  it("prefers the exact name when two routes differ only in case", async () => {
    expect(await llmRouter(cannedModel("Billing").llm)("x", stepContext(), ["billing", "Billing"])).toBe("Billing");
  });

  it("fails with a LogicError coded invalid_llm_answer when the client resolves without text", async () => {
    const llm = { complete: async () => ({ content: "billing" }) } as unknown as LlmClient;
    const error = await rejectionOf<LogicError>(llmRouter(llm)("x", stepContext(), routes));
    expect([error.category, error.code]).toEqual(["logic", "invalid_llm_answer"]);
    expect(error.message).toBe('The LlmClient of llmRouter at "Triage" resolved with an object instead of { text: string }; fix the client\'s complete()');
  });
});

describe("llmRouter definitions", () => {
  it("refuses a client without complete()", () => {
    expect(() => llmRouter({} as LlmClient)).toThrow(DefinitionError);
    expect(() => llmRouter(null as unknown as LlmClient)).toThrow(
      "Expected the client of llmRouter to be an LlmClient (an object with complete(prompt, opts)), got null",
    );
  });

  it("refuses maxTokens below 1", () => {
    expect(() => llmRouter(cannedModel("x").llm, { maxTokens: 0 })).toThrow("Expected `maxTokens` of llmRouter to be an integer >= 1, got number 0");
  });
});

describe("route with llmRouter and an OpenAI-compatible server, end to end", () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());

  type Ticket = { id: string; text: string };
  const billing = step("billing", (t: Ticket) => `billing handles ${t.id}`);
  const support = step("support", (t: Ticket) => `support handles ${t.id}`);
  const triage = (fallback?: "support") =>
    workflow(
      "Helpdesk",
      route("Triage", {
        routes: { billing, support },
        choose: llmRouter<Ticket>(openAICompatible({ baseUrl: `${server.url}/v1`, model: "llama3.2", apiKey: "sk-test" }), {
          prompt: (t) => `Which team should answer this ticket?\n${t.text}`,
          temperature: 0,
        }),
        ...(fallback ? { fallback } : {}),
      }),
    );
  const quiet = { log: () => undefined };

  it("runs the route the model names, having listed the routes in its prompt", async () => {
    const seen: ChatRequest[] = [];
    server.answer(chatCompletions({ apiKey: "sk-test", reply: (r) => (seen.push(r), "Billing.") }));
    expect(await run(triage(), { id: "T-1", text: "I was charged twice" }, quiet)).toBe("billing handles T-1");
    expect(seen).toHaveLength(1);
    expect(seen[0]!.temperature).toBe(0);
    expect(seen[0]!.messages[0]!.content).toBe(
      "Which team should answer this ticket?\nI was charged twice\n\nRoutes: billing, support\nAnswer with exactly one route name from this list and nothing else.",
    );
  });

  it("takes the fallback when the model names no route", async () => {
    server.answer(chatCompletions({ apiKey: "sk-test", reply: () => "sales" }));
    expect(await run(triage("support"), { id: "T-2", text: "Do you sell gift cards?" }, quiet)).toBe("support handles T-2");
  });

  it("fails with InvalidRouteError quoting the model's answer when there is no fallback", async () => {
    server.answer(chatCompletions({ apiKey: "sk-test", reply: () => "I am not sure." }));
    const error = await rejectionOf<WorkflowFailed>(run(triage(), { id: "T-3", text: "hello" }, quiet));
    expect(error).toBeInstanceOf(WorkflowFailed);
    expect(error.step).toBe("Triage");
    expect(error.cause).toBeInstanceOf(InvalidRouteError);
    expect(error.cause.message).toBe(
      'Route "Triage" chose "I am not sure.", which is not one of "billing", "support"; return one of them or set `fallback`',
    );
  });

  it("fails at the route with the model server's ResourceError when it is rate limited", async () => {
    server.answer((_req, res) => json(res, 429, { error: { message: "Rate limit reached" } }, { "retry-after": "1" }));
    const error = await rejectionOf<WorkflowFailed>(run(triage("support"), { id: "T-4", text: "hello" }, quiet));
    expect([error.step, error.category, error.cause.code]).toEqual(["Triage", "resource", "http_429"]);
    expect(error.cause).toBeInstanceOf(ResourceError);
  });
});
