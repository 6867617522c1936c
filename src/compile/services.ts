// What a running machine needs from its host: the clock, randomness and a log
// sink. The runtime provides them per actor system before it starts an actor;
// a machine started with plain `createActor` gets the defaults (XState's clock
// when it can tell the time, the system clock otherwise).
import type { Context } from "@opentelemetry/api";
import type { AnyActorRef } from "xstate";
import { isClock, systemClock, type Clock } from "../clock.js";
import { processBreakers, type BreakerRegistry } from "./breaker.js";
import { processLimiters, type Limits } from "./limiter.js";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface LogEntry {
  level: LogLevel;
  message: string;
  runId: string;
  path: string;
  fields?: Record<string, unknown>;
}

/** A step result found in the cache. */
export interface CacheHit {
  value: unknown;
  /** The run that computed it. */
  runId: string;
  /** When it was computed, ms since the epoch. */
  at: number;
}

/** The step cache of one run (bound to its workflow, version and id). */
export interface StepCache {
  get(path: string, key: string): Promise<CacheHit | undefined>;
  put(path: string, key: string, value: unknown, ttlMs: number | undefined): Promise<void>;
}

export interface RunServices {
  clock: Clock;
  log: (entry: LogEntry) => void;
  /** Circuit breakers by name; shared by every run of the process unless a run is given its own. */
  breakers: BreakerRegistry;
  /** Rate and concurrency limits by name; shared like the breakers. */
  limiters: Limits;
  /** Called before every transition of every machine of the run (the durable engine marks the run dirty). */
  onTransition?: (self: AnyActorRef) => void;
  /** A step starts once this resolves (the durable engine: once the state that dispatched it is committed). */
  beforeStep?: () => Promise<void> | undefined;
  /** Where steps with the option `cache` keep their results; none: they always run. */
  cache?: StepCache;
  /** The OpenTelemetry context of the run's span, the parent of its step spans; none when nothing records spans. */
  trace?: Context;
}

type ActorSystem = AnyActorRef["system"];

// On the system object under a symbol, not in a WeakMap: see executor.ts.
const SERVICES = Symbol("stepchart.services");
type WithServices = ActorSystem & { [SERVICES]?: RunServices };

/** Writes log lines to the console: `[runId path] message {fields}`. */
export function consoleLog(entry: LogEntry): void {
  const line = `[${entry.runId} ${entry.path}] ${entry.message}`;
  const args: unknown[] = entry.fields ? [line, entry.fields] : [line];
  if (entry.level === "error") console.error(...args);
  else if (entry.level === "warn") console.warn(...args);
  else console.log(...args);
}

/** Binds services to an actor system; call before `actor.start()`. */
export function provideServices(system: ActorSystem, services: Partial<RunServices>): void {
  (system as WithServices)[SERVICES] = { ...defaultServices(system), ...services };
}

/** The services of the actor system `self` belongs to. */
export function servicesOf(self: AnyActorRef): RunServices {
  const system = self.system as WithServices;
  return (system[SERVICES] ??= defaultServices(system));
}

function defaultServices(system: ActorSystem): RunServices {
  const xstateClock = (system as { _clock?: unknown })._clock;
  return {
    clock: isClock(xstateClock) ? xstateClock : systemClock,
    log: consoleLog,
    breakers: processBreakers,
    limiters: processLimiters,
  };
}
