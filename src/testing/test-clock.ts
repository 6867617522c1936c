// A simulated clock for tests of workflows with async steps: `advance(ms)`
// fires due timers in order and lets promise callbacks run between them, so
// that a step finishing at t=5 can schedule a timer that fires at t=8 within
// one `advance(10)`. Satisfies the Clock port (and XState's clock option).
import type { Clock } from "../clock.js";

interface Timer {
  id: number;
  at: number;
  fn: (...args: unknown[]) => void;
}

/**
 * A clock that only moves when told to.
 * @example
 * const clock = new TestClock();
 * const handle = start(wf, input, { clock });
 * await clock.advance("48h");
 */
export class TestClock implements Clock {
  #now: number;
  #timers: Timer[] = [];
  #nextId = 1;

  /** @param startMs the time the clock starts at. @default 0 */
  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: (...args: unknown[]) => void, timeoutMs: number): number {
    const id = this.#nextId++;
    this.#timers.push({ id, at: this.#now + Math.max(0, timeoutMs), fn });
    return id;
  }

  clearTimeout(id: unknown): void {
    this.#timers = this.#timers.filter((t) => t.id !== id);
  }

  /** How many timers are waiting. */
  get pending(): number {
    return this.#timers.length;
  }

  /** The time the next timer is due, if any. */
  get nextDue(): number | undefined {
    return this.#timers.reduce<number | undefined>((min, t) => (min === undefined || t.at < min ? t.at : min), undefined);
  }

  /** Moves time forward by `ms`, firing due timers in order (ties in the order they were set). */
  async advance(ms: number): Promise<void> {
    const until = this.#now + ms;
    await settle();
    for (;;) {
      const next = this.#earliest();
      if (!next || next.at > until) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = next.at;
      next.fn();
      await settle();
    }
    this.#now = until;
    await settle();
  }

  /** Moves time to the next due timer and fires it (and any due at the same time). */
  async next(): Promise<void> {
    const due = this.nextDue;
    if (due !== undefined) await this.advance(due - this.#now);
  }

  #earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.#timers) if (!best || t.at < best.at || (t.at === best.at && t.id < best.id)) best = t;
    return best;
  }
}

/** Lets queued promise callbacks and microtasks run (a few macrotask turns). */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
