// Runs step functions for a machine and feeds their results back as events.
// Instead of one invoked promise actor per step (an actor costs ~25µs on
// Node 20), the machine's own `stepchart.dispatch` entry action starts the
// step and the result returns as `stepchart.done.<key>` / `stepchart.error.<key>`.
// Leaving a step's state withdraws it: its AbortSignal fires and a late result
// is dropped. After a restore, WorkflowMachine re-dispatches in-flight steps.
import type { AnyActorRef } from "xstate";
import { errorToJSON, LogicError, toStepchartError } from "../errors.js";
import { describeNotJson, findNotJson } from "./json-data.js";
import type { StepContext, StepLogger } from "../dsl/step-context.js";
import { describe, type CacheConfig } from "../dsl/flow.js";
import { fullPath, type CacheNote, type RunContext } from "./context.js";
import { servicesOf, type LogLevel, type RunServices, type StepCache } from "./services.js";
import { endStepSpan, startStepSpan, withSpan } from "./tracing.js";
import type { Span } from "@opentelemetry/api";

/** Something the executor can run: a step, or a route's chooser. */
export interface Dispatchable {
  /** The state path whose entry dispatches it; also the suffix of its event types. */
  readonly key: string;
  /** The display path reported to the step (ctx.path) and in errors, before the machine's prefix. */
  readonly path: string;
  /** The lane its input is read from. */
  readonly lane: number;
  readonly doneEvent: string;
  readonly errorEvent: string;
  /** The retry block (state path) whose attempt counter applies, if any. */
  readonly attemptKey?: string;
  /** Runs the work, schema checks included; may return a value, a promise, or throw. */
  execute(input: unknown, ctx: StepContext, services: RunServices): unknown;
  /** Where the work comes from at run time, when it is not fixed (a compensation of the newest stack record). */
  prepare?(context: RunContext): { input: unknown; path: string; execute: Dispatchable["execute"] };
  /** A permit the work waits for (a shared limit); `event` is sent once it is granted. */
  readonly permit?: Permit;
  /** Looked up before the permit and the work; a hit is the result (the done event then carries `cached`). */
  readonly cache?: CacheConfig;
}

/** A shared limit a step waits on before its work starts. */
export interface Permit {
  /** Sent to the actor when the permit is granted (the state moves from `$permit` to `$run`). */
  readonly event: string;
  /** Resolves with the function that gives the permit back; rejects when `signal` fires first. */
  acquire(signal: AbortSignal, services: RunServices): Promise<() => void>;
}

export function doneEventOf(key: string): string {
  return `stepchart.done.${key}`;
}

export function errorEventOf(key: string): string {
  return `stepchart.error.${key}`;
}

/**
 * One dispatched call. Its result reaches the actor only while it is still the
 * call registered for its key; withdrawing it fires its AbortSignal.
 * (Methods rather than per-call closures: this is the hot path of every step.)
 */
class InFlight {
  #controller: AbortController | undefined;
  #withdrawn = false;
  #span: Span | undefined;
  #release: (() => void) | undefined;
  /** Set on a cache miss: keeps the result before it is reported. */
  #keep: ((output: unknown) => Promise<void>) | undefined;
  #cached: CacheNote | undefined;
  constructor(
    readonly d: Dispatchable,
    readonly path: string,
    readonly self: AnyActorRef,
    readonly table: Map<string, InFlight>,
  ) {}

  get signal(): AbortSignal {
    if (this.#withdrawn) return AbortSignal.abort(this.#reason());
    this.#controller ??= new AbortController();
    return this.#controller.signal;
  }

  run(input: unknown, ctx: StepContext, services: RunServices): void {
    if (this.#withdrawn) return;
    if (this.d.cache && services.cache) void this.#lookUp(this.d.cache, services.cache, input, ctx, services);
    else this.#admit(input, ctx, services);
  }

  async #lookUp(config: CacheConfig, cache: StepCache, input: unknown, ctx: StepContext, services: RunServices): Promise<void> {
    let key: unknown;
    try {
      key = config.key(input);
    } catch (thrown) {
      this.fail(new LogicError(`The cache key of step "${this.path}" could not be computed: ${(thrown as Error)?.message ?? String(thrown)}`, { code: "cache_key_failed", cause: thrown }));
      return;
    }
    if (typeof key !== "string" || key === "" || key.length > 1000) {
      this.fail(new LogicError(`Expected the cache key of step "${this.path}" to be a string of 1 to 1000 characters, got ${describe(key)}`, { code: "invalid_cache_key" }));
      return;
    }
    const where = cachePath(this.path);
    try {
      const hit = await cache.get(where, key);
      if (hit) {
        this.#cached = { key, from: hit.runId, at: hit.at };
        this.succeed(hit.value);
        return;
      }
    } catch (e) {
      services.log({ level: "warn", message: `The step cache could not be read; the step runs: ${(e as Error).message}`, runId: ctx.runId, path: ctx.path });
    }
    this.#keep = (output) =>
      cache.put(where, key, output, config.ttlMs).catch((e: unknown) => {
        services.log({ level: "warn", message: `The step cache could not keep the result: ${(e as Error).message}`, runId: ctx.runId, path: ctx.path });
      });
    this.#admit(input, ctx, services);
  }

  #admit(input: unknown, ctx: StepContext, services: RunServices): void {
    if (this.#withdrawn) return;
    const permit = this.d.permit;
    if (permit) {
      permit.acquire(this.signal, services).then(
        (release) => {
          if (this.#withdrawn) return release();
          this.#release = release;
          this.self.send({ type: permit.event });
          this.#execute(input, ctx, services);
        },
        (thrown: unknown) => {
          if (!this.#withdrawn) this.fail(thrown);
        },
      );
      return;
    }
    this.#execute(input, ctx, services);
  }

  #execute(input: unknown, ctx: StepContext, services: RunServices): void {
    const span = services.trace === undefined ? undefined : (this.#span = startStepSpan(services.trace, ctx.runId, ctx.path, ctx.attempt));
    let result: unknown;
    try {
      result = span ? withSpan(span, () => this.d.execute(input, ctx, services)) : this.d.execute(input, ctx, services);
    } catch (thrown) {
      this.fail(thrown);
      return;
    }
    if (isThenable(result)) result.then((output) => this.succeed(output), (thrown: unknown) => this.fail(thrown));
    else this.succeed(result);
  }

  succeed(output: unknown): void {
    const notJson = findNotJson(output);
    if (notJson) {
      this.fail(new LogicError(`Step "${this.path}" returned ${describeNotJson(notJson)}`, { code: "output_not_json", details: { at: notJson.at } }));
      return;
    }
    const keep = this.#keep;
    if (keep) {
      // Kept before it is reported, so a run that starts after this step ends finds it.
      this.#keep = undefined;
      void keep(output).then(() => this.succeed(output));
      return;
    }
    if (!this.#settle()) return;
    if (this.#span) endStepSpan(this.#span);
    this.self.send(this.#cached ? { type: this.d.doneEvent, output, cached: this.#cached } : { type: this.d.doneEvent, output });
  }

  fail(thrown: unknown): void {
    if (!this.#settle()) return;
    const error = errorToJSON(toStepchartError(thrown, `step "${this.path}"`));
    if (this.#span) endStepSpan(this.#span, { error });
    this.self.send({ type: this.d.errorEvent, error });
  }

  withdraw(): void {
    if (this.#withdrawn) return;
    this.#withdrawn = true;
    this.#giveBack();
    this.#controller?.abort(this.#reason());
    if (this.#span) endStepSpan(this.#span, { withdrawn: true });
  }

  #giveBack(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  /** True (and unregistered) when this call's result is still wanted. */
  #settle(): boolean {
    this.#giveBack();
    if (this.table.get(this.d.key) !== this) return false;
    this.table.delete(this.d.key);
    return true;
  }

  #reason(): DOMException {
    return new DOMException(`Step "${this.path}" was withdrawn`, "AbortError");
  }
}

/** Where a step's results are cached: its path with item indexes left out, so every item of a map shares them. */
export function cachePath(path: string): string {
  return path.replace(/\[\d+\]/g, "[]");
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}

// The table lives on the actor under a symbol rather than in a WeakMap: with
// tens of thousands of live runs, WeakMap entries (ephemerons) make V8's
// garbage collector markedly slower.
const IN_FLIGHT = Symbol("stepchart.inFlight");
type WithTable = AnyActorRef & { [IN_FLIGHT]?: Map<string, InFlight> };

function tableOf(self: AnyActorRef): Map<string, InFlight> {
  return ((self as WithTable)[IN_FLIGHT] ??= new Map());
}

class StepContextImpl implements StepContext {
  #flight: InFlight;
  #services: RunServices;
  #log: StepLogger | undefined;
  constructor(
    readonly runId: string,
    readonly path: string,
    readonly attempt: number,
    flight: InFlight,
    services: RunServices,
  ) {
    this.#flight = flight;
    this.#services = services;
  }
  get idempotencyKey(): string {
    return `${this.runId}:${this.path}:${this.attempt}`;
  }
  get signal(): AbortSignal {
    return this.#flight.signal;
  }
  get log(): StepLogger {
    if (!this.#log) {
      const { runId, path } = this;
      const sink = this.#services.log;
      const at = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) =>
        sink(fields ? { level, message, runId, path, fields } : { level, message, runId, path });
      this.#log = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
    }
    return this.#log;
  }
}

/** The attempt number (1-based) of a dispatchable in the given context. */
export function attemptOf(context: RunContext, d: Dispatchable): number {
  return d.attemptKey === undefined ? 1 : (context.counters[d.attemptKey] ?? 0) + 1;
}

/**
 * Starts `d` with its input from `context`. The call begins on a microtask,
 * outside XState's transition, and its result is sent to `self` unless the
 * call was withdrawn in the meantime.
 */
export function dispatch(d: Dispatchable, context: RunContext, self: AnyActorRef): void {
  const table = tableOf(self);
  table.get(d.key)?.withdraw();
  const prepared = d.prepare?.(context);
  const path = prepared ? prepared.path : fullPath(context, d.path);
  const flight = new InFlight(prepared ? { ...d, execute: prepared.execute } : d, path, self, table);
  table.set(d.key, flight);
  const services = servicesOf(self);
  const ctx = new StepContextImpl(context.runId, path, attemptOf(context, d), flight, services);
  const input = prepared ? prepared.input : context.v[d.lane];
  // Start on a microtask: user code never runs inside XState's transition;
  // with a durable engine, only once the state that dispatched it is committed.
  const gate = services.beforeStep?.();
  if (gate) gate.then(() => flight.run(input, ctx, services), (thrown: unknown) => flight.fail(thrown));
  else queueMicrotask(() => flight.run(input, ctx, services));
}

/** Withdraws the call dispatched for `key`, if it is still running. */
export function withdraw(key: string, self: AnyActorRef): void {
  const table = (self as WithTable)[IN_FLIGHT];
  const flight = table?.get(key);
  if (flight) {
    table!.delete(key);
    flight.withdraw();
  }
}

/** Withdraws every call of `self` (the actor is stopping). */
export function withdrawAll(self: AnyActorRef): void {
  const table = (self as WithTable)[IN_FLIGHT];
  if (!table) return;
  for (const flight of table.values()) flight.withdraw();
  table.clear();
}

/** The keys of the calls `self` is waiting for (for tests and the engine). */
export function inFlightKeys(self: AnyActorRef): string[] {
  return [...((self as WithTable)[IN_FLIGHT]?.keys() ?? [])];
}
