// Limits shared by every engine on a store (many workers on PostgreSQL): a
// rate is a token bucket kept in the store, a concurrency counts holders with
// leases (renewed while the step runs, so a dead worker's permits come back
// when their lease runs out). In this process, the steps waiting for one limit
// queue in arrival order and only the head asks the store; it asks again when
// a token is due, when any engine gives a permit back, or at the latest every
// `pollMs` — a timer, never a busy loop. The step meanwhile sits in `$permit`.
import { randomUUID } from "node:crypto";
import type { Clock } from "../clock.js";
import type { Limits } from "../compile/limiter.js";
import type { LimitConfig } from "../dsl/flow.js";
import { TransientError } from "../errors.js";
import type { SharedLimitStore } from "../store/store.js";

export interface StoreLimitsOptions {
  clock: Clock;
  /** A concurrency permit not renewed for this long is taken back. @default 60 s */
  leaseMs?: number;
  /** Ask again at least this often while waiting (in case a release was missed). @default 1 s */
  pollMs?: number;
}

interface Waiter {
  holder: string;
  resolve(release: () => void): void;
  reject(error: unknown): void;
}

interface Line {
  config: LimitConfig;
  queue: Waiter[];
  asking: boolean;
  timer: unknown;
}

export class StoreLimits implements Limits {
  readonly #store: SharedLimitStore;
  readonly #clock: Clock;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #owner = randomUUID();
  #calls = 0;
  readonly #lines = new Map<string, Line>();
  readonly #renewals = new Set<unknown>();
  readonly #stopListening: () => void;
  #closed = false;

  constructor(store: SharedLimitStore, options: StoreLimitsOptions) {
    this.#store = store;
    this.#clock = options.clock;
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#pollMs = options.pollMs ?? 1_000;
    this.#stopListening = store.onPermitGiven((name) => {
      const line = this.#lines.get(name);
      if (line && line.timer !== undefined) {
        this.#clock.clearTimeout(line.timer);
        line.timer = undefined;
        this.#ask(line);
      }
    });
  }

  permit(config: LimitConfig, _clock: Clock, signal: AbortSignal): Promise<() => void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      let line = this.#lines.get(config.name);
      if (!line) {
        line = { config, queue: [], asking: false, timer: undefined };
        this.#lines.set(config.name, line);
      }
      const waiter: Waiter = { holder: `${this.#owner}:${++this.#calls}`, resolve, reject };
      line.queue.push(waiter);
      const queue = line.queue;
      signal.addEventListener(
        "abort",
        () => {
          const i = queue.indexOf(waiter);
          if (i >= 0) {
            queue.splice(i, 1);
            reject(signal.reason);
          }
        },
        { once: true },
      );
      this.#ask(line);
    });
  }

  /** Stops renewing and listening (held permits are not given back: their leases run out). */
  close(): void {
    this.#closed = true;
    this.#stopListening();
    for (const line of this.#lines.values()) if (line.timer !== undefined) this.#clock.clearTimeout(line.timer);
    for (const timer of this.#renewals) this.#clock.clearTimeout(timer);
    this.#renewals.clear();
  }

  /** The head of the line asks the store for a permit. */
  #ask(line: Line): void {
    const waiter = line.queue[0];
    if (this.#closed || line.asking || line.timer !== undefined || !waiter) return;
    line.asking = true;
    const { config } = line;
    const now = this.#clock.now();
    this.#store
      .takePermit({
        name: config.name,
        kind: config.kind,
        limit: config.limit,
        perMs: config.kind === "rate" ? config.perMs : 0,
        holder: waiter.holder,
        now,
        leaseMs: this.#leaseMs,
      })
      .then(
        (answer) => {
          line.asking = false;
          if (answer.granted) {
            const release = this.#held(config, waiter.holder);
            if (line.queue[0] === waiter) {
              line.queue.shift();
              waiter.resolve(release);
            } else release(); // withdrawn while asking
            this.#ask(line);
            return;
          }
          const at = Math.min(answer.retryAt ?? Number.POSITIVE_INFINITY, this.#clock.now() + this.#pollMs);
          line.timer = this.#clock.setTimeout(() => {
            line.timer = undefined;
            this.#ask(line);
          }, Math.max(1, at - this.#clock.now()));
        },
        (error: unknown) => {
          line.asking = false;
          if (line.queue[0] === waiter) {
            line.queue.shift();
            waiter.reject(new TransientError(`No permit of limit "${config.name}": the store could not be asked (${(error as Error)?.message ?? String(error)})`, { code: "permit_unavailable", cause: error }));
          }
          this.#ask(line);
        },
      );
  }

  /** The function that gives a granted permit back; a concurrency permit's lease is renewed until then. */
  #held(config: LimitConfig, holder: string): () => void {
    if (config.kind !== "concurrency") return () => undefined;
    let timer: unknown;
    const renew = () => {
      this.#renewals.delete(timer);
      timer = this.#clock.setTimeout(() => {
        void this.#store.renewPermit(config.name, holder, this.#clock.now() + this.#leaseMs).catch(() => undefined);
        renew();
      }, this.#leaseMs / 2);
      this.#renewals.add(timer);
    };
    renew();
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.#clock.clearTimeout(timer);
      this.#renewals.delete(timer);
      // A failed give-back is harmless: the lease runs out.
      void this.#store.givePermit(config.name, holder).catch(() => undefined);
    };
  }
}
