// llmRouter(): a route chooser that asks a language model to name the route.
// Owns the LlmClient port (the one method a model adapter implements), the
// routing prompt and the normalization of the model's answer. It must not
// decide what an unknown answer means (route() takes its fallback or fails with
// InvalidRouteError), and it knows nothing of HTTP: adapters live in steps/llm/.
import { DefinitionError, LogicError } from "../errors.js";
import { describe, type RouteChooser } from "./flow.js";
import { assertInteger, assertNumber } from "./numbers.js";

/** What one completion may be told besides the prompt. */
export interface LlmCompletionOptions {
  /** Cancels the request (a route passes its step context's signal). @default none */
  signal?: AbortSignal;
  /** The most tokens the answer may use. @default none: the server's default */
  maxTokens?: number;
  /** Sampling temperature; 0 asks for the most likely answer every time. @default none: the server's default */
  temperature?: number;
}

/**
 * A language model as stepchart needs it: one prompt in, one text out.
 * @example
 * const llm: LlmClient = openAICompatible({ baseUrl: "http://127.0.0.1:11434/v1", model: "llama3.2" });
 * const { text } = await llm.complete("Say hi", { maxTokens: 5 });
 */
export interface LlmClient {
  complete(prompt: string, opts?: LlmCompletionOptions): Promise<{ text: string }>;
}

export interface LlmRouterOptions<TInput> {
  /**
   * The instructions. A string: the router appends the input (a string as it
   * is, anything else as JSON) and the route names. A function of the input:
   * its text must describe the input itself; the router appends the route names.
   * @default "Choose the route that should handle this input."
   */
  prompt?: string | ((input: TInput) => string);
  /** Passed to the client as `maxTokens`. @default none: the server's default */
  maxTokens?: number;
  /** Passed to the client as `temperature`. @default none: the server's default */
  temperature?: number;
}

const DEFAULT_INSTRUCTIONS = "Choose the route that should handle this input.";
/** Longest unmatched answer handed back to route(), which reports it in InvalidRouteError. */
const ANSWER_LIMIT = 200;

/**
 * A route chooser that asks a language model for exactly one of the route names.
 *
 * The answer is normalized before it is matched: a `<think>…</think>` block is
 * dropped, the first non-empty line is kept, surrounding quotes, backticks and
 * `*` and trailing punctuation are stripped, and the name is matched exactly,
 * then without regard to case. An answer that names no route is handed back
 * (trimmed, at most 200 characters), so `route()` takes its `fallback` or
 * fails with `InvalidRouteError` quoting it.
 *
 * **When to use**: routing on free text (tickets, e-mails, documents) where
 * writing the rules by hand is not worth it. Prefer a plain function when a
 * rule will do: it is free, instant and repeatable.
 *
 * **Gotchas**
 * - The decision is recorded by the route state, so a restored run continues
 *   on the chosen route and never asks the model again. A run restored while
 *   the model was still answering asks again (at-least-once, like any step).
 * - A model may answer anything: set `fallback` on the route unless an
 *   `InvalidRouteError` is what you want.
 * - OpenAI's reasoning models reject `temperature` and `maxTokens` (they want
 *   `max_completion_tokens`); leave both unset for them.
 * @example
 * route("Triage", {
 *   routes: { billing, support },
 *   choose: llmRouter(openAICompatible({ baseUrl: "http://127.0.0.1:11434/v1", model: "llama3.2" }), { prompt: "Which team should answer this ticket?" }),
 *   fallback: "support",
 * });
 */
export function llmRouter<TInput = unknown>(llm: LlmClient, options: LlmRouterOptions<TInput> = {}): RouteChooser<TInput> {
  if (typeof (llm as { complete?: unknown } | null)?.complete !== "function") {
    throw new DefinitionError(`Expected the client of llmRouter to be an LlmClient (an object with complete(prompt, opts)), got ${describe(llm)}`);
  }
  if (typeof options !== "object" || options === null) {
    throw new DefinitionError(`Expected the options of llmRouter to be { prompt?, maxTokens?, temperature? }, got ${describe(options)}`);
  }
  const { prompt = DEFAULT_INSTRUCTIONS, maxTokens, temperature } = options;
  if (typeof prompt !== "string" && typeof prompt !== "function") {
    throw new DefinitionError(`Expected \`prompt\` of llmRouter to be a string or a function of the input, got ${describe(prompt)}`);
  }
  if (maxTokens !== undefined) assertInteger(maxTokens, "`maxTokens` of llmRouter", 1);
  if (temperature !== undefined) assertNumber(temperature, "`temperature` of llmRouter", 0);

  return async (input, ctx, routes) => {
    const task = typeof prompt === "function" ? prompt(input) : `${prompt}\n\nInput:\n${inputText(input, ctx.path)}`;
    const answer = await llm.complete(`${task}\n\n${routeQuestion(routes)}`, {
      signal: ctx.signal,
      ...(maxTokens === undefined ? {} : { maxTokens }),
      ...(temperature === undefined ? {} : { temperature }),
    });
    if (typeof answer?.text !== "string") {
      throw new LogicError(
        `The LlmClient of llmRouter at "${ctx.path}" resolved with ${describe(answer)} instead of { text: string }; fix the client's complete()`,
        { code: "invalid_llm_answer" },
      );
    }
    return matchRoute(answer.text, routes);
  };
}

function routeQuestion(routes: readonly string[]): string {
  return `Routes: ${routes.join(", ")}\nAnswer with exactly one route name from this list and nothing else.`;
}

function inputText(input: unknown, path: string): string {
  if (typeof input === "string") return input;
  try {
    return JSON.stringify(input, null, 2) ?? "(no input)";
  } catch (error) {
    throw new LogicError(
      `llmRouter at "${path}" could not write its input as JSON for the prompt; pass \`prompt: (input) => ...\` that describes the input in words`,
      { code: "input_not_serializable", cause: error },
    );
  }
}

/** The route the answer names (exactly, then ignoring case), or the trimmed answer itself for route() to reject. */
function matchRoute(answer: string, routes: readonly string[]): string {
  const text = answer.replace(/<think>[\s\S]*?<\/think>/gi, "").trim();
  const line = (text.split(/\r?\n/).find((l) => l.trim() !== "") ?? "").trim();
  const bare = line.replace(/^["'`*\s]+/, "").replace(/["'`*.,;:!?\s]+$/, "");
  for (const candidate of [line, bare]) {
    if (routes.includes(candidate)) return candidate;
    const byCase = routes.filter((route) => route.toLowerCase() === candidate.toLowerCase());
    if (byCase.length === 1) return byCase[0]!;
  }
  return text.length > ANSWER_LIMIT ? text.slice(0, ANSWER_LIMIT) : text;
}
