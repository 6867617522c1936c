// parallel -> a compound state:
//   $fork      copies the input into one lane per branch (entering the parallel
//              state through one transition keeps XState's entry cost O(n²), not O(n³))
//   $branches  a parallel state, one region per branch: `$wait` (with
//              maxConcurrency: a guarded eventless transition on the slot
//              counter), `$run` (the branch's flow), then `$ok` or `$failed`
//              (final; both free the slot, `$failed` collects the failure).
//              XState evaluates the eventless transitions of every region in
//              one microstep against the same context, so a guard reading only
//              "running < max" would let every waiting region take the one free
//              slot: each region's guard also reads its place in the queue of
//              waiting branches (running + place < max), which starts exactly
//              the free number of branches, in branch order.
//   $abort     (failFast) a failure leaves $branches at once, withdrawing the rest
//   $join      all regions are final: fail with ParallelExecutionFailed, or store
//              the results (or `combine`'s output) in the parallel's lane.
import { assign } from "xstate";
import type { ParallelNode } from "../dsl/flow.js";
import { ParallelExecutionFailed, stepchartErrorFromJSON, toStepchartError } from "../errors.js";
import { copyValue, failure, failureIn, fullPath, withFailure, withKey, withLane, type CollectedFailure, type RunContext } from "./context.js";
import { compileFlow } from "./flow.js";
import { childScope, type Scope } from "./machine-parts.js";
import { RUN } from "./retry.js";
import { DONE } from "./sequence.js";

const FORK = "$fork";
const BRANCHES = "$branches";
const ABORT = "$abort";
const JOIN = "$join";
const WAIT = "$wait";
const OK = "$ok";
const FAILED = "$failed";
const JOIN_FAILED = "failed";

/** The slots of a parallel with maxConcurrency, in `context.windows[path]`. */
interface Slots {
  running: number;
  /** Indexes of the branches still waiting, in branch order. */
  waiting: number[];
}

export function compileParallel(node: ParallelNode, scope: Scope, next: string) {
  const { parts, path, display, lane } = scope;
  const lanes = node.branches.map(() => parts.newLane());
  const max = node.maxConcurrency;

  const fork = parts.action(`stepchart.fork ${path}`, () =>
    assign(({ context }: { context: RunContext }): Partial<RunContext> => {
      const v = context.v.slice();
      for (const l of lanes) v[l] = copyValue(context.v[lane]);
      const slots: Slots = { running: 0, waiting: node.branches.map((_, i) => i) };
      return {
        v,
        collected: withKey(context.collected, path, []),
        ...(max === undefined ? {} : { windows: withKey(context.windows, path, slots) }),
      };
    }),
  );
  const slotsOf = (context: RunContext) => context.windows[path] as Slots;
  const take = parts.action(`stepchart.slot.take ${path}`, () =>
    assign(({ context }: { context: RunContext }, params: { branch: number }): Partial<RunContext> => {
      const slots = slotsOf(context);
      const next: Slots = { running: slots.running + 1, waiting: slots.waiting.filter((b) => b !== params.branch) };
      return { windows: withKey(context.windows, path, next) };
    }),
  );
  const release = parts.action(`stepchart.slot.release ${path}`, () =>
    assign(({ context }: { context: RunContext }): Partial<RunContext> => {
      const slots = slotsOf(context);
      return { windows: withKey(context.windows, path, { ...slots, running: slots.running - 1 }) };
    }),
  );
  const collect = parts.action(`stepchart.collect ${path}`, () =>
    assign(({ context }: { context: RunContext }, params: { branch: string; slot: string }): Partial<RunContext> => {
      const f = failureIn(context, params.slot)!;
      const entry: CollectedFailure = { branch: params.branch, path: f.path, error: f.error };
      return { collected: withKey(context.collected, path, [...(context.collected[path] ?? []), entry]), ...withFailure(context, params.slot, undefined) };
    }),
  );
  const slotFree =
    max === undefined
      ? undefined
      : parts.guard(`${display}: a slot is free (< ${max} running)`, ({ context }, params: { branch: number }) => {
          const slots = slotsOf(context);
          const place = slots.waiting.indexOf(params.branch);
          return place >= 0 && slots.running + place < max;
        });

  const regions: Record<string, object> = {};
  // Each region records its failures in a slot of its own (its state path).
  const regionSlots = node.branches.map((branch) => `${path}.${BRANCHES}.${branch.key}`);
  node.branches.forEach((branch, i) => {
    const regionPath = regionSlots[i]!;
    const regionScope = childScope(childScope(scope, BRANCHES), branch.key, {
      lane: lanes[i]!,
      slot: regionPath,
      onError: node.failFast ? parts.target(`${path}.${ABORT}`) : parts.target(`${regionPath}.${FAILED}`),
    });
    const states: Record<string, object> = {};
    if (slotFree) {
      states[WAIT] = { always: { guard: { type: slotFree, params: { branch: i } }, target: RUN, actions: { type: take, params: { branch: i } } } };
    }
    states[RUN] = compileFlow(branch.flow, childScope(regionScope, RUN), OK);
    states[OK] = { type: "final", ...(slotFree ? { entry: release } : {}) };
    states[FAILED] = { type: "final", entry: [...(slotFree ? [release] : []), { type: collect, params: { branch: branch.key, slot: regionPath } }] };
    regions[branch.key] = { initial: slotFree ? WAIT : RUN, states };
  });

  const join = parts.action(`stepchart.join ${path}`, () =>
    assign(({ context }: { context: RunContext }): Partial<RunContext> => {
      const collected = context.collected[path] ?? [];
      if (collected.length > 0) {
        const errors = collected.map((c) => ({ branch: c.branch, path: c.path, error: stepchartErrorFromJSON(c.error) }));
        const error = new ParallelExecutionFailed(fullPath(context, display), node.branches.length, errors);
        return { sel: withKey(context.sel, path, JOIN_FAILED), ...withFailure(context, scope.slot, failure(context, display, error)) };
      }
      const values = lanes.map((l) => context.v[l]);
      const results = node.shape === "array" ? values : Object.fromEntries(node.branches.map((b, i) => [b.key, values[i]]));
      let output: unknown = results;
      if (node.combine) {
        try {
          output = node.combine(results, context.v[lane]);
        } catch (thrown) {
          const error = toStepchartError(thrown, `combine of parallel "${fullPath(context, display)}"`);
          return { sel: withKey(context.sel, path, JOIN_FAILED), ...withFailure(context, scope.slot, failure(context, display, error)) };
        }
      }
      const v = withLane(context.v, lane, output);
      for (const l of lanes) v[l] = null; // free the branch values: the snapshot need not carry them on
      const windows = { ...context.windows };
      delete windows[path];
      return { sel: withKey(context.sel, path, "ok"), v, windows };
    }),
  );
  const joinFailed = parts.guard(`${display}: a branch failed`, ({ context }) => context.sel[path] === JOIN_FAILED);

  const states: Record<string, object> = {
    [FORK]: { entry: fork, always: { target: BRANCHES } },
    [BRANCHES]: { type: "parallel", states: regions, onDone: { target: JOIN } },
    [JOIN]: { entry: join, always: [{ guard: joinFailed, target: scope.onError, description: "a branch failed" }, { target: DONE }] },
    [DONE]: { type: "final" },
  };
  if (node.failFast) {
    const abort = parts.action(`stepchart.abort ${path}`, () =>
      assign(({ context }: { context: RunContext }): Partial<RunContext> => {
        // Leaving $branches at the first failure: only one region's failing transition is taken.
        const i = regionSlots.findIndex((slot) => failureIn(context, slot) !== undefined);
        const f = failureIn(context, regionSlots[i]!)!;
        const error = new ParallelExecutionFailed(fullPath(context, display), node.branches.length, [
          { branch: node.branches[i]!.key, path: f.path, error: stepchartErrorFromJSON(f.error) },
        ]);
        let cleared = context;
        for (const slot of regionSlots) cleared = { ...cleared, ...withFailure(cleared, slot, undefined) };
        return withFailure(cleared, scope.slot, failure(context, display, error));
      }),
    );
    states[ABORT] = { entry: abort, always: { target: scope.onError, description: "fail fast" } };
  }
  return { initial: FORK, states, onDone: { target: next } };
}
