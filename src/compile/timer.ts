// The durable timer: one invoked actor, registered by name, whose input holds
// an absolute deadline from the run's clock. XState does not restore `after`
// timers from a snapshot (statelyai/xstate#5331); a restored timer actor starts
// again and waits only what is left, or fires at once when overdue. Serves
// retry backoff, timeouts, sleeps and wait deadlines.
import { assign, fromPromise } from "xstate";
import type { RunContext } from "./context.js";
import { withKey } from "./context.js";
import type { MachineParts } from "./machine-parts.js";
import { servicesOf } from "./services.js";

export const TIMER = "stepchart.timer";
export const SET_DEADLINE = "stepchart.setDeadline";

export interface TimerInput {
  /** When to fire, in ms since the epoch on the run's clock. */
  deadline: number;
}

export function registerTimer(parts: MachineParts): void {
  parts.actor(TIMER, () =>
    fromPromise<void, TimerInput>(
      ({ input, self, signal }) =>
        new Promise<void>((resolve) => {
          const { clock } = servicesOf(self);
          const remainingMs = input.deadline - clock.now();
          if (remainingMs <= 0) return resolve();
          const id = clock.setTimeout(() => resolve(), remainingMs);
          signal.addEventListener("abort", () => clock.clearTimeout(id), { once: true });
        }),
    ),
  );
  parts.action(SET_DEADLINE, () =>
    assign(({ context, self }: { context: RunContext; self: any }, params: { key: string; delayMs: number }): Partial<RunContext> => ({
      deadlines: withKey(context.deadlines, params.key, servicesOf(self).clock.now() + params.delayMs),
    })),
  );
}

/** The invoke config of a timer that fires at `context.deadlines[key]`. */
export function invokeTimer(key: string, onDone: object) {
  return {
    src: TIMER,
    input: ({ context }: { context: RunContext }): TimerInput => ({ deadline: context.deadlines[key] ?? 0 }),
    onDone,
  };
}
