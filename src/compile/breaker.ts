// Circuit breakers shared by name across every run of a process: closed ->
// open after `failureThreshold` failures within `windowMs` -> half-open after
// `cooldownMs` (one trial call) -> closed on success, open again on failure.
// Time comes from the run's clock, so tests drive it with a simulated clock.
// (cockatiel's breaker reads Date.now() itself, so it cannot run on simulated time.)
import type { BreakerConfig } from "../dsl/flow.js";
import { DependencyError, toStepchartError } from "../errors.js";
import type { RunServices } from "./services.js";

export type BreakerState = "closed" | "open" | "half-open";

export class CircuitBreaker {
  #state: BreakerState = "closed";
  #failures: number[] = [];
  #openedAt = 0;
  #trialInFlight = false;

  constructor(readonly config: BreakerConfig) {}

  /** The state at `now` (an open circuit whose cool-down has passed reads half-open). */
  state(now: number): BreakerState {
    if (this.#state === "open" && now - this.#openedAt >= this.config.cooldownMs) return "half-open";
    return this.#state;
  }

  /** Lets a call through, or throws a DependencyError (code `circuit_open`) saying when to try again. */
  acquire(now: number): void {
    const state = this.state(now);
    if (state === "closed") return;
    if (state === "half-open" && !this.#trialInFlight) {
      this.#state = "half-open";
      this.#trialInFlight = true;
      return;
    }
    const retryAfterMs = state === "open" ? this.#openedAt + this.config.cooldownMs - now : this.config.cooldownMs;
    throw new DependencyError(`Circuit "${this.config.name}" is open; calls fail at once until it half-opens`, {
      code: "circuit_open",
      details: { breaker: this.config.name, retryAfterMs },
    });
  }

  onSuccess(): void {
    if (this.#state !== "half-open") return;
    this.#trialInFlight = false;
    this.#state = "closed";
    this.#failures = [];
  }

  onFailure(now: number): void {
    if (this.#state === "half-open") {
      this.#trialInFlight = false;
      this.#open(now);
      return;
    }
    this.#failures = this.#failures.filter((t) => now - t < this.config.windowMs);
    this.#failures.push(now);
    if (this.#failures.length >= this.config.failureThreshold) this.#open(now);
  }

  /** A call that did not count either way (a validation error, say) ends a trial without a verdict. */
  onNeutral(): void {
    this.#trialInFlight = false;
    if (this.#state === "half-open") this.#state = "open";
  }

  #open(now: number): void {
    this.#state = "open";
    this.#openedAt = now;
    this.#failures = [];
  }
}

/** The breakers of one process (or of one test), by name. */
export class BreakerRegistry {
  readonly #breakers = new Map<string, CircuitBreaker>();

  get(config: BreakerConfig): CircuitBreaker {
    let breaker = this.#breakers.get(config.name);
    if (!breaker) {
      breaker = new CircuitBreaker(config);
      this.#breakers.set(config.name, breaker);
    }
    return breaker;
  }

  /** The breaker of that name, if a step has used it. */
  find(name: string): CircuitBreaker | undefined {
    return this.#breakers.get(name);
  }
}

/** The registry every run of this process shares unless given its own. */
export const processBreakers = new BreakerRegistry();

/** Runs `call` through the named breaker. */
export async function guardWithBreaker<T>(config: BreakerConfig, services: RunServices, call: () => T | Promise<T>): Promise<T> {
  const breaker = services.breakers.get(config);
  breaker.acquire(services.clock.now());
  try {
    const result = await call();
    breaker.onSuccess();
    return result;
  } catch (thrown) {
    const error = toStepchartError(thrown);
    let counts = false;
    try {
      counts = config.trips(error) === true;
    } catch {
      counts = false;
    }
    if (!counts) {
      breaker.onNeutral();
      throw thrown;
    }
    const now = services.clock.now();
    breaker.onFailure(now);
    if (breaker.state(now) === "open") {
      // This failure opened the circuit: tell a retry to wait for the half-open state.
      error.details.retryAfterMs = breaker.config.cooldownMs;
      error.details.breaker = breaker.config.name;
      throw error;
    }
    throw thrown;
  }
}
