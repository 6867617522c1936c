// The time port. Nothing outside it reads Date.now() or setTimeout: the runtime
// passes a Clock to XState through `createActor(machine, { clock })`, and tests
// pass a simulated one. (There is no random port: backoff jitter is a hash of
// the run, the path and the attempt, so it is the same after a restore.)
// Imports nothing of ours; used by the compiler's timers and by the runtime.

/** Time as stepchart sees it. XState's `SimulatedClock` satisfies it. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: (...args: unknown[]) => void, timeoutMs: number): unknown;
  clearTimeout(id: unknown): void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, timeoutMs) => setTimeout(fn, timeoutMs),
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
};

/** True when `value` can serve as a Clock (it has `now`, `setTimeout`, `clearTimeout`). */
export function isClock(value: unknown): value is Clock {
  const c = value as Partial<Clock> | undefined;
  return typeof c?.now === "function" && typeof c.setTimeout === "function" && typeof c.clearTimeout === "function";
}
