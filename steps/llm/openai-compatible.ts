// openAICompatible(): an LlmClient for servers that speak OpenAI's chat
// completions protocol (OpenAI, Ollama, vLLM, llama.cpp's server). Owns the
// request and answer shapes and the failures only a model server has (API key,
// model name, an answer without a completion); the HTTP failure mapping lives
// in ../http-request.ts. It never retries, streams or logs the API key.
import { DefinitionError, LogicError, type Duration, type LlmClient, type LlmCompletionOptions, type StepchartError } from "stepchart";
import { bodyExcerpt, describeRequest, exchangeJson, redactedUrl, requestTimeoutMs, type StatusFailure } from "../http-request.js";

export interface OpenAICompatibleOptions {
  /**
   * The API root including its version, without `/chat/completions`: OpenAI
   * `https://api.openai.com/v1`, Ollama `http://127.0.0.1:11434/v1`, vLLM
   * `http://127.0.0.1:8000/v1`, llama.cpp `http://127.0.0.1:8080/v1`.
   */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`; never written into an error. @default none (local servers usually need none) */
  apiKey?: string;
  /** The model as the server names it: "gpt-4o-mini", "llama3.2". */
  model: string;
  /** How long one completion may take before it fails with a TransientError coded `timeout`. @default "60s" */
  timeout?: Duration;
  /** The fetch to send requests with (one that goes through a proxy, say). @default the global fetch */
  fetch?: typeof fetch;
}

/**
 * An LlmClient that sends `POST {baseUrl}/chat/completions` with one user
 * message and answers `choices[0].message.content`.
 *
 * Failures: 401 and 403 are logic errors telling you to check the API key, 404
 * a logic error about `baseUrl` or the model name (retrying or changing the
 * input cannot fix configuration; an operator must), 429 a ResourceError with
 * `retryAfterMs`, 5xx and time limits transient, connection refused a
 * DependencyError, other 4xx (a prompt over the context length) a
 * ValidationError, and an answer without a completion text a logic error coded
 * `malformed_completion` (`invalid_json_response` when it is not JSON at all).
 * @example
 * const llm = openAICompatible({ baseUrl: "http://127.0.0.1:11434/v1", model: "llama3.2" });
 * const { text } = await llm.complete("Name one colour.", { maxTokens: 5 });
 */
export function openAICompatible(options: OpenAICompatibleOptions): LlmClient {
  if (typeof options !== "object" || options === null) {
    throw new DefinitionError(`Expected the options of openAICompatible to be { baseUrl, model, apiKey?, timeout?, fetch? }, got ${String(options)}`);
  }
  const { apiKey, model } = options;
  const endpoint = completionsUrl(options.baseUrl);
  if (typeof model !== "string" || model.trim() === "") {
    throw new DefinitionError(`Expected \`model\` of openAICompatible to be the model's name on the server (such as "llama3.2"), got ${JSON.stringify(model)}`);
  }
  const timeoutMs = requestTimeoutMs(options.timeout ?? "60s", "`timeout` of openAICompatible");

  return {
    async complete(prompt: string, opts: LlmCompletionOptions = {}): Promise<{ text: string }> {
      const headers = new Headers({ accept: "application/json", "content-type": "application/json" });
      if (apiKey) headers.set("authorization", `Bearer ${apiKey}`);
      const body = {
        model,
        messages: [{ role: "user", content: prompt }],
        ...(opts.maxTokens === undefined ? {} : { max_tokens: opts.maxTokens }),
        ...(opts.temperature === undefined ? {} : { temperature: opts.temperature }),
      };
      const answer = await exchangeJson({
        method: "POST",
        url: endpoint,
        headers,
        body: JSON.stringify(body),
        timeoutMs,
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
        ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
        onStatus: (failure) => serverRefusal(failure, model),
      });
      return { text: completionText(answer.body, endpoint, model) };
    },
  };
}

function completionsUrl(baseUrl: unknown): URL {
  let url: URL | undefined;
  try {
    url = typeof baseUrl === "string" ? new URL(baseUrl) : undefined;
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new DefinitionError(
      `Expected \`baseUrl\` of openAICompatible to be an http(s) URL such as "http://127.0.0.1:11434/v1", got ${typeof baseUrl === "string" ? JSON.stringify(baseUrl) : typeof baseUrl}`,
    );
  }
  return new URL(`${url.pathname.replace(/\/+$/, "")}/chat/completions${url.search}`, url);
}

/**
 * The statuses a model server means something particular by. They are logic
 * errors: the API key, the base URL and the model name are configuration, so
 * neither time nor another input fixes them; an operator must.
 */
function serverRefusal({ status, statusLine, where, details }: StatusFailure, model: string): StepchartError | undefined {
  const code = `http_${status}`;
  if (status === 401) {
    return new LogicError(`${where} answered ${statusLine}: the server did not accept the API key; check that \`apiKey\` is set and valid for this server`, {
      code,
      details,
    });
  }
  if (status === 403) {
    return new LogicError(
      `${where} answered ${statusLine}: the API key may not use model "${model}" on this server; check the key's permissions and the model name`,
      { code, details },
    );
  }
  if (status === 404) {
    return new LogicError(
      `${where} answered ${statusLine}: no such endpoint or model; check that \`baseUrl\` ends with the API version (Ollama: http://127.0.0.1:11434/v1) and that model "${model}" exists on the server`,
      { code, details },
    );
  }
  return undefined;
}

interface ChatCompletion {
  choices?: { message?: { content?: unknown }; finish_reason?: unknown }[];
}

function completionText(body: unknown, endpoint: URL, model: string): string {
  const choice = (body as ChatCompletion | null)?.choices?.[0];
  const content = choice?.message?.content;
  if (typeof content === "string") return content;
  const finish = typeof choice?.finish_reason === "string" ? ` (finish_reason "${choice.finish_reason}")` : "";
  const missing = Array.isArray((body as ChatCompletion | null)?.choices) ? "choices[0].message.content is not a string" : "it has no `choices`";
  throw new LogicError(
    `${describeRequest("POST", endpoint)} answered without a completion text from model "${model}": ${missing}${finish}; check that \`baseUrl\` points at an OpenAI-compatible API and that the model answers in text`,
    {
      code: "malformed_completion",
      details: { method: "POST", url: redactedUrl(endpoint), body: bodyExcerpt(JSON.stringify(body) ?? "") },
    },
  );
}
