// The time and randomness ports. Nothing outside these ports reads Date.now(),
// setTimeout or Math.random: the runtime passes a Clock to XState through
// `createActor(machine, { clock })`, and tests pass a SimulatedClock.
// Imports nothing of ours; used by the compiler's timers and by the runtime.

/** Time as stepchart sees it. XState's `SimulatedClock` satisfies it. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: (...args: unknown[]) => void, timeoutMs: number): unknown;
  clearTimeout(id: unknown): void;
}

/** A source of numbers in [0, 1), for jitter. */
export type Random = () => number;

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, timeoutMs) => setTimeout(fn, timeoutMs),
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
};

/** The real random source. */
export const systemRandom: Random = () => Math.random();

/** True when `value` can serve as a Clock (it has `now`, `setTimeout`, `clearTimeout`). */
export function isClock(value: unknown): value is Clock {
  const c = value as Partial<Clock> | undefined;
  return typeof c?.now === "function" && typeof c.setTimeout === "function" && typeof c.clearTimeout === "function";
}
