// Limits shared by name across every run of a process: a rate ("100/s", a
// token bucket refilled on the run's clock) or a concurrency (at most N at
// once). A step waiting for a permit sits in its `$permit` state, a visible
// wait (no polling: it is woken when a permit frees up or a token is due).
// Waiters are served first come, first served.
import type { LimitConfig } from "../dsl/flow.js";
import type { Clock } from "../clock.js";
import { DefinitionError } from "../errors.js";

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class Limiter {
  #tokens: number;
  #refilledAt: number;
  #running = 0;
  readonly #queue: Waiter[] = [];
  #timer: unknown;

  constructor(
    readonly config: LimitConfig,
    readonly clock: Clock,
  ) {
    this.#tokens = config.kind === "rate" ? config.limit : 0;
    this.#refilledAt = clock.now();
  }

  /** How many wait for a permit. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** How many hold a permit (concurrency limits). */
  get running(): number {
    return this.#running;
  }

  /** Resolves when a permit is granted; rejects with the signal's reason when it is withdrawn first. */
  acquire(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const waiter: Waiter = {
        resolve,
        reject,
      };
      this.#queue.push(waiter);
      signal.addEventListener(
        "abort",
        () => {
          const i = this.#queue.indexOf(waiter);
          if (i >= 0) {
            this.#queue.splice(i, 1);
            reject(signal.reason);
          }
        },
        { once: true },
      );
      this.#pump();
    });
  }

  /** Gives back a concurrency permit (rates have nothing to give back). */
  release(): void {
    if (this.config.kind !== "concurrency") return;
    this.#running--;
    this.#pump();
  }

  #refill(): void {
    if (this.config.kind !== "rate") return;
    const now = this.clock.now();
    const earned = ((now - this.#refilledAt) / this.config.perMs) * this.config.limit;
    if (earned > 0) {
      this.#tokens = Math.min(this.config.limit, this.#tokens + earned);
      this.#refilledAt = now;
    }
  }

  #pump(): void {
    if (this.config.kind === "concurrency") {
      while (this.#queue.length > 0 && this.#running < this.config.limit) {
        this.#running++;
        this.#queue.shift()!.resolve();
      }
      return;
    }
    this.#refill();
    while (this.#queue.length > 0 && this.#tokens >= 1) {
      this.#tokens -= 1;
      this.#queue.shift()!.resolve();
    }
    if (this.#queue.length > 0 && this.#timer === undefined) {
      const msPerToken = this.config.perMs / this.config.limit;
      const dueInMs = Math.max(1, Math.ceil((1 - this.#tokens) * msPerToken));
      this.#timer = this.clock.setTimeout(() => {
        this.#timer = undefined;
        this.#pump();
      }, dueInMs);
    }
  }
}

/** Where steps get permits of their shared limits: this process's limiters, or a store shared by many engines. */
export interface Limits {
  /** Waits for a permit of the limit `config` names; resolves with the function that gives it back, rejects when `signal` fires first. */
  permit(config: LimitConfig, clock: Clock, signal: AbortSignal): Promise<() => void>;
}

/** The limiters of one process (or one test), by name. */
export class LimiterRegistry implements Limits {
  readonly #limiters = new Map<string, Limiter>();

  /** The limiter named by `config`, created on first use; a different declaration of the same name is a DefinitionError. */
  get(config: LimitConfig, clock: Clock): Limiter {
    let limiter = this.#limiters.get(config.name);
    if (!limiter) {
      limiter = new Limiter(config, clock);
      this.#limiters.set(config.name, limiter);
    } else if (describeLimit(limiter.config) !== describeLimit(config)) {
      throw new DefinitionError(
        `Expected every step naming limit "${config.name}" to declare the same limit, got ${describeLimit(limiter.config)} and ${describeLimit(config)}`,
      );
    }
    return limiter;
  }

  async permit(config: LimitConfig, clock: Clock, signal: AbortSignal): Promise<() => void> {
    const limiter = this.get(config, clock);
    await limiter.acquire(signal);
    return () => limiter.release();
  }

  find(name: string): Limiter | undefined {
    return this.#limiters.get(name);
  }
}

/** The registry every run of this process shares unless given its own. */
export const processLimiters = new LimiterRegistry();

/** "100 per 1000 ms" or "concurrency 5". */
export function describeLimit(config: LimitConfig): string {
  return config.kind === "rate" ? `${config.limit} per ${config.perMs} ms` : `concurrency ${config.limit}`;
}
