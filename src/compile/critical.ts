// critical -> a compound state: `$acquire` puts the block's state path in the
// lock's FIFO queue on entry and leaves by a guarded eventless transition when
// the lock is free and the block is first in line; `$run` is the flow. The
// compound's exit releases the lock (or leaves the queue), whichever way the
// block is left. Owner and queue live in `context.locks`, so they persist.
// XState evaluates every region's eventless transitions against the same
// context in one microstep: only the head of the queue passes the guard, so
// two regions never take a free lock together (the same reasoning as the
// slot queue of parallel.ts).
import { assign } from "xstate";
import type { CriticalNode } from "../dsl/flow.js";
import type { LockState, RunContext } from "./context.js";
import { compileFlow } from "./flow.js";
import { childScope, type Scope } from "./machine-parts.js";
import { RUN } from "./retry.js";
import { DONE } from "./sequence.js";

const ACQUIRE = "$acquire";
const FREE: LockState = { owner: null, queue: [] };

function withLock(context: RunContext, lock: string, state: LockState): Partial<RunContext> {
  return { locks: { ...context.locks, [lock]: state } };
}

export function compileCritical(node: CriticalNode, scope: Scope, next: string) {
  const { parts, path, display } = scope;
  const { lock } = node;
  const lockOf = (context: RunContext) => context.locks?.[lock] ?? FREE;

  const arrive = parts.action(`stepchart.lock.arrive ${path}`, () =>
    assign(({ context }: { context: RunContext }): Partial<RunContext> => {
      const state = lockOf(context);
      return withLock(context, lock, { owner: state.owner, queue: [...state.queue, path] });
    }),
  );
  const take = parts.action(`stepchart.lock.take ${path}`, () =>
    assign(({ context }: { context: RunContext }): Partial<RunContext> => withLock(context, lock, { owner: path, queue: lockOf(context).queue.slice(1) })),
  );
  const leave = parts.action(`stepchart.lock.leave ${path}`, () =>
    assign(({ context }: { context: RunContext }): Partial<RunContext> => {
      const state = lockOf(context);
      return withLock(context, lock, { owner: state.owner === path ? null : state.owner, queue: state.queue.filter((p) => p !== path) });
    }),
  );
  const ourTurn = parts.guard(`${display}: lock "${lock}" is free and it is our turn`, ({ context }) => {
    const state = lockOf(context);
    return state.owner === null && state.queue[0] === path;
  });

  return {
    initial: ACQUIRE,
    exit: leave,
    states: {
      [ACQUIRE]: { entry: arrive, always: { guard: ourTurn, actions: take, target: RUN }, meta: { stepchart: { lock } } },
      [RUN]: compileFlow(node.flow, childScope(scope, RUN), DONE),
      [DONE]: { type: "final" },
    },
    onDone: { target: next },
  };
}
