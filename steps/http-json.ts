// httpJson(): a step that sends one HTTP request with fetch and returns the
// JSON answer. Owns the request's shape (URL, method, JSON body, headers, time
// limit, Idempotency-Key); the failure mapping lives in ./http-request.ts.
// Written as user code: it imports only the package entry, and it never retries
// by itself (give it `retry`, or wrap it in retry()).
import type { ZodType } from "zod";
import { DefinitionError, LogicError, step, ValidationError, type BreakerOptions, type Duration, type RetryOptions, type Step, type StepContext } from "stepchart";
import { exchangeJson, HTTP_METHODS, requestTimeoutMs, type HttpMethod } from "./http-request.js";

export type { HttpMethod } from "./http-request.js";

export interface HttpJsonOptions<TInput, TOutput> {
  /** The URL to call, computed from the step's input. Error messages show it without its query. */
  url: (input: TInput) => string | URL;
  /** @default "GET", or "POST" when `body` is set */
  method?: HttpMethod;
  /** The body, computed from the input and sent as JSON; `undefined` sends none. @default none */
  body?: (input: TInput) => unknown;
  /** Request headers; they win over the defaults (`Accept`, `Content-Type`, `Idempotency-Key`). @default none */
  headers?: Record<string, string> | ((input: TInput) => Record<string, string>);
  /**
   * How long the whole exchange (answer and body) may take before it fails with
   * a TransientError coded `timeout`. Unlike the step option `timeout`, it is
   * not a durable timer: it belongs to this one request.
   * @default "30s"
   */
  timeout?: Duration;
  /** Validates the JSON answer and types the step's output; a mismatch is a ValidationError. @default none: the output is `unknown` */
  output?: ZodType<TOutput>;
  /** Retries the step, as retry() does. @default none */
  retry?: RetryOptions;
  /** A circuit breaker shared by name, as for step(). @default none */
  breaker?: string | BreakerOptions;
}

/**
 * A step that calls an HTTP JSON API with fetch and returns the parsed answer
 * (`null` for an empty body).
 *
 * It passes `ctx.signal` to fetch, so a withdrawn step cancels its request,
 * and sends `Idempotency-Key: ctx.idempotencyKey` with every method but GET.
 * Failures become stepchart errors: a time limit or a 5xx (and 408) is
 * transient, 429 a resource error with `retryAfterMs` from `Retry-After`,
 * connection refused, DNS failure or reset a dependency error, any other 4xx
 * a validation error; a 2xx body that is not JSON is a logic error
 * (`invalid_json_response`). Every error's `details` hold the method, the URL
 * without its query and, for a status, the status and the start of the body.
 * @example
 * const getUser = httpJson("GetUser", { url: (u: { id: string }) => `https://api.example.com/users/${u.id}`, output: UserSchema, retry: { maxRetries: 3 } });
 */
export function httpJson<TInput, TOutput = unknown>(name: string, options: HttpJsonOptions<TInput, TOutput>): Step<TInput, TOutput> {
  const what = `httpJson step "${name}"`;
  if (typeof options?.url !== "function") {
    throw new DefinitionError(`Expected \`url\` of ${what} to be a function of the input that returns the URL, got ${typeof options?.url}`);
  }
  const method = options.method ?? (options.body === undefined ? "GET" : "POST");
  if (!HTTP_METHODS.includes(method)) {
    throw new DefinitionError(`Expected \`method\` of ${what} to be one of ${HTTP_METHODS.join(", ")}, got ${JSON.stringify(method)}`);
  }
  if (method === "GET" && options.body !== undefined) {
    throw new DefinitionError(`Expected ${what} to have no \`body\` with method GET (fetch refuses one); use POST, PUT or PATCH`);
  }
  const timeoutMs = requestTimeoutMs(options.timeout ?? "30s", `\`timeout\` of ${what}`);
  const { url, body, headers } = options;

  const send = async (input: TInput, ctx: StepContext): Promise<TOutput> => {
    const target = parseUrl(url(input), ctx.path);
    const payload = body === undefined ? undefined : serialize(body(input), method, ctx.path);
    const sent = new Headers({ accept: "application/json" });
    if (payload !== undefined) sent.set("content-type", "application/json");
    // GET is safe to repeat; every other method may change something, so the server can de-duplicate it.
    if (method !== "GET") sent.set("idempotency-key", ctx.idempotencyKey);
    for (const [key, value] of Object.entries(typeof headers === "function" ? headers(input) : (headers ?? {}))) sent.set(key, value);
    const answer = await exchangeJson({
      method,
      url: target,
      headers: sent,
      ...(payload === undefined ? {} : { body: payload }),
      timeoutMs,
      signal: ctx.signal,
    });
    return answer.body as TOutput;
  };

  return step(name, send, {
    ...(options.output === undefined ? {} : { output: options.output }),
    ...(options.retry === undefined ? {} : { retry: options.retry }),
    ...(options.breaker === undefined ? {} : { breaker: options.breaker }),
  }) as Step<TInput, TOutput>;
}

function parseUrl(value: string | URL, path: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    const text = String(value);
    throw invalidUrl(JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text), path, error);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw invalidUrl(`a URL with protocol "${url.protocol}"`, path);
  return url;
}

function invalidUrl(got: string, path: string, cause?: unknown): ValidationError {
  const message = `Expected the URL of step "${path}" to be an absolute http(s) URL, got ${got}; return one such as "https://api.example.com/items/42" from \`url\``;
  return new ValidationError(message, {
    code: "invalid_url",
    ...(cause === undefined ? {} : { cause }),
    issues: [{ code: "invalid_url", path: ["url"], message }],
  });
}

function serialize(value: unknown, method: string, path: string): string | undefined {
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw new LogicError(
      `The body of ${method} in step "${path}" could not be written as JSON; return plain data (no BigInt, no cycles) from \`body\``,
      { code: "body_not_serializable", cause: error },
    );
  }
}
