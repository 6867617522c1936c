// One HTTP exchange with fetch whose answer is JSON, and its failures as
// stepchart errors: network failures, time limits and statuses, each mapped to
// the category whose default response fits. Shared by the steps that speak
// HTTP (http-json.ts, llm/openai-compatible.ts). It never retries (the workflow
// does) and never writes query values, credentials or headers into an error.
import { STATUS_CODES } from "node:http";
import {
  DefinitionError,
  DependencyError,
  LogicError,
  ResourceError,
  TransientError,
  ValidationError,
  type Duration,
  type StepchartError,
} from "stepchart";

/** The methods whose answer carries a body (HEAD and OPTIONS do not, so they have no place in a JSON step). */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export const HTTP_METHODS: readonly HttpMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

export interface JsonRequest {
  method: HttpMethod;
  url: URL;
  headers: Headers;
  /** Already serialized. */
  body?: string;
  /** The whole exchange, body included, must finish within this. */
  timeoutMs: number;
  /** The caller's cancellation (a step's `ctx.signal`); when it fires, its reason is thrown as it is. */
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /** Explains a non-2xx status better than the generic mapping; `undefined` keeps the generic one. */
  onStatus?: (failure: StatusFailure) => StepchartError | undefined;
}

/** A non-2xx answer, as the status mapping sees it. */
export interface StatusFailure {
  status: number;
  /** "404 Not Found" */
  statusLine: string;
  /** "GET http://host/path?…": the method and the URL without credentials, query values or fragment. */
  where: string;
  retryAfterMs: number | undefined;
  /** Plain data for the error's `details`: method, url, status, the start of the body, retryAfterMs. */
  details: Record<string, unknown>;
}

export interface JsonAnswer {
  status: number;
  headers: Headers;
  /** The parsed body; `null` when the body is empty (204 No Content). */
  body: unknown;
}

/** How much of a response body travels in an error's `details`. */
const BODY_EXCERPT = 500;

/**
 * Sends the request and parses the JSON answer, or throws a stepchart error
 * naming the method and URL. Throws the caller's abort reason unchanged when
 * `signal` fires: a withdrawn step's late result is dropped anyway.
 */
export async function exchangeJson(request: JsonRequest): Promise<JsonAnswer> {
  const where = describeRequest(request.method, request.url);
  const timer = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([request.signal, timer]) : timer;
  let response: Response;
  let text: string;
  try {
    response = await (request.fetch ?? fetch)(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      signal,
    });
    text = await response.text();
  } catch (error) {
    if (request.signal?.aborted) throw request.signal.reason;
    if (timer.aborted) {
      throw new TransientError(
        `${where} got no complete answer within ${request.timeoutMs}ms; raise \`timeout\` if the server is just slow, or check that it is healthy`,
        { code: "timeout", cause: error, details: { ...requestDetails(request), timeoutMs: request.timeoutMs } },
      );
    }
    throw networkFailure(error, request, where);
  }
  if (!response.ok) {
    const failure = statusFailure(response, text, request, where);
    throw request.onStatus?.(failure) ?? statusError(failure);
  }
  if (text.trim() === "") return { status: response.status, headers: response.headers, body: null };
  try {
    return { status: response.status, headers: response.headers, body: JSON.parse(text) };
  } catch (error) {
    // LogicError: a 2xx answer whose body is not JSON means the URL reaches
    // something other than the JSON API (an HTML page of a proxy or a login,
    // a wrong path served by a web app). The same request gets the same body,
    // so it is neither transient nor a dependency outage, and the input is not
    // at fault; someone has to fix the URL or the server.
    const contentType = response.headers.get("content-type") ?? "none";
    throw new LogicError(
      `${where} answered ${response.status} with a body that is not JSON (content-type ${contentType}); point the URL at the JSON API, or read this answer with a step of your own`,
      { code: "invalid_json_response", cause: error, details: { ...requestDetails(request), status: response.status, contentType, body: bodyExcerpt(text) } },
    );
  }
}

/** "GET http://host:8080/path?…": never the credentials, the query or the fragment, which may hold secrets. */
export function describeRequest(method: string, url: URL): string {
  return `${method} ${redactedUrl(url)}`;
}

/** The URL without credentials, query or fragment ("?…" marks a dropped query). */
export function redactedUrl(url: URL): string {
  return `${url.origin}${url.pathname}${url.search ? "?…" : ""}`;
}

/**
 * Milliseconds to wait from a `Retry-After` header: delay-seconds or an
 * HTTP-date (RFC 9110, section 10.2.3). A date is measured against the
 * answer's own `Date` header, which comes from the same clock as the date and
 * so ignores skew between the two machines; the local clock is the fallback.
 */
export function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get("retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  const serverNow = Date.parse(headers.get("date") ?? "");
  return Math.max(0, at - (Number.isNaN(serverNow) ? Date.now() : serverNow));
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/**
 * A request time limit in milliseconds, checked when the step is defined.
 * (The package keeps its own duration parser internal, so steps parse the same
 * grammar here.)
 */
export function requestTimeoutMs(timeout: Duration, what: string): number {
  const match = typeof timeout === "string" ? DURATION.exec(timeout.trim()) : null;
  const ms = typeof timeout === "number" ? timeout : match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : NaN;
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new DefinitionError(`Expected ${what} to be a duration above 0 (milliseconds, or a string like "500ms", "30s", "5m"), got ${JSON.stringify(timeout)}`);
  }
  return Math.round(ms);
}

function statusFailure(response: Response, text: string, request: JsonRequest, where: string): StatusFailure {
  const status = response.status;
  const wait = retryAfterMs(response.headers);
  return {
    status,
    statusLine: `${status} ${response.statusText || STATUS_CODES[status] || ""}`.trim(),
    where,
    retryAfterMs: wait,
    details: { ...requestDetails(request), status, body: bodyExcerpt(text), ...(wait === undefined ? {} : { retryAfterMs: wait }) },
  };
}

/** The generic mapping: classify by what would make the same request succeed. */
function statusError({ status, statusLine, where, retryAfterMs: wait, details }: StatusFailure): StepchartError {
  const code = `http_${status}`;
  if (status === 429) {
    const after = wait === undefined ? "wait before retrying" : `wait ${wait}ms (Retry-After) before retrying`;
    return new ResourceError(`${where} answered ${statusLine}: the server's rate limit or quota is used up; ${after}, or send fewer requests`, {
      code,
      details,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    });
  }
  if (status >= 500 || status === 408) {
    // 408: the server gave up waiting for the request; time alone can fix it, as with a 5xx.
    return new TransientError(`${where} answered ${statusLine}: the server failed this time and may succeed later; give the step a retry policy`, {
      code,
      details,
    });
  }
  if (status >= 400) {
    return new ValidationError(
      `${where} answered ${statusLine}: the server rejects this request as it is; check the URL, headers and body against the API (its answer is in \`details.body\`)`,
      { code, details },
    );
  }
  // fetch follows redirects, so only a 1xx, a 304 or a redirect without a Location arrive here.
  return new LogicError(`${where} answered ${statusLine}, which is not a 2xx answer with a JSON body; check the URL and the request headers`, {
    code,
    details,
  });
}

/** Network failures: undici puts the system error (with its `code`) in `cause`, or several in an AggregateError. */
function networkFailure(error: unknown, request: JsonRequest, where: string): StepchartError {
  const code = systemErrorCode(error);
  const options = { cause: error, details: { ...requestDetails(request), ...(code === undefined ? {} : { errno: code }) } };
  const { host, hostname } = request.url;
  switch (code) {
    case "ECONNREFUSED":
      return new DependencyError(`${where} was refused: nothing accepts connections at ${host}; start the server, or fix the host and port in the URL`, {
        ...options,
        code: "connection_refused",
      });
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new DependencyError(`${where} failed: the host name ${hostname} could not be resolved (${code}); check the host name and the DNS configuration`, {
        ...options,
        code: "dns_lookup_failed",
      });
    case "ECONNRESET":
    case "EPIPE":
    case "UND_ERR_SOCKET":
      return new DependencyError(`${where} lost its connection before the answer was complete; the server closed it or went down, so retry later`, {
        ...options,
        code: "connection_reset",
      });
    case "ETIMEDOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
    case "UND_ERR_HEADERS_TIMEOUT":
    case "UND_ERR_BODY_TIMEOUT":
      return new TransientError(`${where} timed out in the network (${code}); retry later, and check the route to ${host} if it keeps happening`, {
        ...options,
        code: "timeout",
      });
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return new DependencyError(`${where} failed: there is no network route to ${host} (${code}); check the network and the host in the URL`, {
        ...options,
        code: "host_unreachable",
      });
    default:
      return new DependencyError(
        `${where} failed before an answer arrived (${code ?? "no system error code"}); check that the server is reachable at ${host} (the cause has the details)`,
        { ...options, code: "network_error" },
      );
  }
}

function systemErrorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === "object" && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
    const first = (e as { errors?: unknown[] }).errors?.[0] as { code?: unknown } | undefined;
    if (typeof first?.code === "string") return first.code;
  }
  return undefined;
}

function requestDetails(request: JsonRequest): Record<string, unknown> {
  return { method: request.method, url: redactedUrl(request.url) };
}

/** The start of a body, for an error's `details`. */
export function bodyExcerpt(text: string): string {
  return text.length > BODY_EXCERPT ? `${text.slice(0, BODY_EXCERPT)}…` : text;
}
