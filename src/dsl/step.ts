// step(): one unit of work with typed input and output.
import type { ZodType } from "zod";
import { DefinitionError, type StepchartError } from "../errors.js";
import { toMs, type Duration } from "./duration.js";
import { describe, type BreakerConfig, type CacheConfig, type Flow, type LimitConfig, type StepNode, type StepRun } from "./flow.js";
import { assertName } from "./name.js";
import { assertInteger, assertOptionalFunction } from "./numbers.js";
import { retryPolicy, type RetryOptions } from "./retry.js";
import { undoFlow } from "./compensate.js";
import type { StepContext } from "./step-context.js";

export interface BreakerOptions {
  /** Steps naming the same breaker share it, across every run in the process. */
  name: string;
  /** Failures within `window` that open the circuit. @default 5 */
  failureThreshold?: number;
  /** @default "1m" */
  window?: Duration;
  /** How long the circuit stays open before one trial call is let through. @default "30s" */
  cooldown?: Duration;
  /** Which failures count. @default dependency errors */
  trips?: (error: StepchartError) => boolean;
}

export interface StepOptions {
  /** Validates the step's input before it runs; a mismatch is a ValidationError. @default none */
  input?: ZodType;
  /** Validates the step's output; a mismatch is a ValidationError. @default none */
  output?: ZodType;
  /** Retries this step; the same options as retry(). @default none */
  retry?: RetryOptions;
  /** Fails an attempt that runs longer than this with a TransientError (code `timeout`). @default none */
  timeout?: Duration;
  /**
   * A circuit breaker shared by name: while it is open, the step fails at once
   * with a DependencyError (code `circuit_open`) that tells retries when to try again.
   * @default none
   */
  breaker?: string | BreakerOptions;
  /**
   * A limit shared by every step that names it, in every run of the process:
   * `{ name, rate: "100/s" }` (or "10/m", "5/h"), or `{ name, concurrency: 5 }`.
   * A step waiting for a permit is in its `$permit` state.
   * @default none
   */
  limit?: { name: string; rate: string } | { name: string; concurrency: number };
  /**
   * Reuses the step's result across runs: `key(input)` names the result, kept
   * in the engine's store (or the `cache` of an in-memory run) for `ttl` (or
   * until invalidated); a result counts only for the workflow version that
   * made it. A hit skips the step, its limit, breaker and retries, and is
   * recorded in the run (`context.cached`, the run viewer).
   * @default none
   */
  cache?: { key: (input: any) => string; ttl?: Duration };
  /** Undoes the step when a later flow of an enclosing saga fails; gets the step's output. @default none */
  compensate?: Flow | ((output: any, ctx: StepContext) => unknown);
}

export type Step<TInput, TOutput> = Flow<TInput, TOutput> & StepNode;

/**
 * One async (or sync) unit of work. Its output is the next flow's input.
 * @example
 * const classify = step("Classify", async (doc: Doc, ctx) => ({ ...doc, type: "invoice" }), { input: DocSchema, retry: { maxRetries: 3 }, timeout: "30s" });
 */
export function step<TInput, TOutput>(name: string, run: StepRun<TInput, TOutput>, options: StepOptions = {}): Step<TInput, Awaited<TOutput>> {
  assertName(name, "step");
  if (typeof run !== "function") {
    throw new DefinitionError(`Expected the function of step "${name}" to be a function, got ${describe(run)}`);
  }
  assertSchema(options.input, `the input schema of step "${name}"`);
  assertSchema(options.output, `the output schema of step "${name}"`);
  return {
    kind: "step",
    name,
    run,
    ...(options.input ? { inputSchema: options.input } : {}),
    ...(options.output ? { outputSchema: options.output } : {}),
    ...(options.retry ? { retry: retryPolicy(options.retry, `step "${name}"`) } : {}),
    ...(options.timeout !== undefined ? { timeoutMs: toMs(options.timeout, `the timeout of step "${name}"`) } : {}),
    ...(options.breaker !== undefined ? { breaker: breakerConfig(options.breaker, name) } : {}),
    ...(options.compensate !== undefined ? { compensate: undoFlow(options.compensate, `step "${name}"`) } : {}),
    ...(options.limit !== undefined ? { limit: limitConfig(options.limit, name) } : {}),
    ...(options.cache !== undefined ? { cache: cacheConfig(options.cache, name) } : {}),
  } as Step<TInput, Awaited<TOutput>>;
}

/** Throws unless `schema` is absent or has `safeParse` (a zod schema). */
export function assertSchema(schema: unknown, what: string): void {
  if (schema === undefined) return;
  if (typeof (schema as { safeParse?: unknown } | null)?.safeParse !== "function") {
    throw new DefinitionError(`Expected ${what} to be a zod schema, got ${describe(schema)}`);
  }
}

const RATE = /^(\d+)\s*\/\s*(ms|s|m|h)$/;
const PER_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

function limitConfig(option: unknown, stepName: string): LimitConfig {
  const what = `the limit of step "${stepName}"`;
  const o = option as { name?: unknown; rate?: unknown; concurrency?: unknown } | null;
  if (typeof o !== "object" || o === null || typeof o.name !== "string" || o.name === "") {
    throw new DefinitionError(`Expected ${what} to be { name, rate: "100/s" } or { name, concurrency: 5 }, got ${describe(option)}`);
  }
  if (o.concurrency !== undefined) {
    assertInteger(o.concurrency, `concurrency of ${what}`, 1);
    return { name: o.name, kind: "concurrency", limit: o.concurrency };
  }
  const match = typeof o.rate === "string" ? RATE.exec(o.rate.trim()) : null;
  if (!match || Number(match[1]) < 1) {
    throw new DefinitionError(`Expected the rate of ${what} to look like "100/s", "10/m" or "5/h", got ${describe(o.rate)}`);
  }
  return { name: o.name, kind: "rate", limit: Number(match[1]), perMs: PER_MS[match[2] as keyof typeof PER_MS] };
}

function cacheConfig(option: unknown, stepName: string): CacheConfig {
  const o = option as { key?: unknown; ttl?: unknown } | null;
  if (typeof o !== "object" || o === null || typeof o.key !== "function") {
    throw new DefinitionError(`Expected the cache of step "${stepName}" to be { key: (input) => string, ttl? }, got ${describe(option)}`);
  }
  const key = o.key as CacheConfig["key"];
  return o.ttl === undefined ? { key } : { key, ttlMs: toMs(o.ttl, `the cache ttl of step "${stepName}"`) };
}

function breakerConfig(options: string | BreakerOptions, stepName: string): BreakerConfig {
  const o = typeof options === "string" ? { name: options } : options;
  const what = `the breaker of step "${stepName}"`;
  if (typeof o !== "object" || o === null || typeof o.name !== "string" || o.name === "") {
    throw new DefinitionError(`Expected ${what} to be a name or { name, failureThreshold?, window?, cooldown? }, got ${describe(options)}`);
  }
  const failureThreshold = o.failureThreshold ?? 5;
  assertInteger(failureThreshold, `failureThreshold of ${what}`, 1);
  assertOptionalFunction(o.trips, `trips of ${what}`);
  return {
    name: o.name,
    failureThreshold,
    windowMs: toMs(o.window ?? "1m", `window of ${what}`),
    cooldownMs: toMs(o.cooldown ?? "30s", `cooldown of ${what}`),
    trips: o.trips ?? ((error) => error.category === "dependency"),
  };
}
