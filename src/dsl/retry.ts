// retry(): run a flow again after a failure a retry can fix, waiting an
// exponentially growing delay between attempts.
import type { StepchartError } from "../errors.js";
import { toMs, type Duration } from "./duration.js";
import { assertFlow, type Flow, type RetryNode, type RetryPolicy } from "./flow.js";
import { assertInteger, assertNumber, assertOptionalFunction } from "./numbers.js";

export interface RetryOptions {
  /** Retries after the first attempt. @default 3 */
  maxRetries?: number;
  /** The delay before the first retry. @default "1s" */
  initialDelay?: Duration;
  /** Each retry waits this many times longer than the one before. @default 2 */
  backoffMultiplier?: number;
  /** No delay is longer than this. @default "30s" */
  maxDelay?: Duration;
  /** Full jitter: each delay is a random fraction of the computed one, to spread retries out. @default false */
  jitter?: boolean;
  /**
   * Which failures are retried.
   * @default (err) => err.retryable: transient, resource and dependency errors, never validation or logic
   */
  retryOn?: (error: StepchartError) => boolean;
}

/** Reads retry options into a policy with every duration in ms; `what` names the owner in errors. */
export function retryPolicy(options: RetryOptions, what: string): RetryPolicy {
  const maxRetries = options.maxRetries ?? 3;
  assertInteger(maxRetries, `maxRetries of ${what}`, 0);
  const multiplier = options.backoffMultiplier ?? 2;
  assertNumber(multiplier, `backoffMultiplier of ${what}`, 1);
  assertOptionalFunction(options.retryOn, `retryOn of ${what}`);
  return {
    maxRetries,
    initialDelayMs: toMs(options.initialDelay ?? "1s", `initialDelay of ${what}`),
    multiplier,
    maxDelayMs: toMs(options.maxDelay ?? "30s", `maxDelay of ${what}`),
    jitter: options.jitter ?? false,
    ...(options.retryOn ? { retryOn: options.retryOn } : {}),
  };
}

/**
 * Retries `flow` up to `maxRetries` times with exponential backoff. The wait
 * between attempts is a durable timer: it survives a snapshot and restore.
 * Exhausting the retries fails with MaxRetriesExceededError (cause: the last error).
 *
 * **When to use**: around calls to things that fail for a while (networks,
 * rate-limited APIs); not around validation, which fails the same way again.
 * **Gotchas**: the whole flow runs again, so every step in it must be safe to
 * repeat (use `ctx.idempotencyKey`, which includes the attempt).
 * @example
 * retry(fetchLabResults, { maxRetries: 5, initialDelay: "500ms", maxDelay: "10s" });
 */
export function retry<TInput, TOutput>(flow: Flow<TInput, TOutput>, options: RetryOptions = {}): Flow<TInput, TOutput> & RetryNode {
  assertFlow(flow, "the flow given to retry()");
  return { kind: "retry", name: flow.name, flow, policy: retryPolicy(options, `retry("${flow.name}")`) } as Flow<TInput, TOutput> & RetryNode;
}
