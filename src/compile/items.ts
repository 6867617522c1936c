// map and pipeline -> a compound state whose `$running` state runs items
// through a bounded window of child actors, one child machine per stage,
// registered by name (`stepchart.items <path> <stage>`) so that they persist.
// Per-item progress lives in the parent's context (`windows[path]`): which
// stage each item is in, the stage queues, the running counts, the values.
// A child's done event moves its item on (to the next stage's queue, or
// done) and fills free slots, later stages first so items drain through.
// Leaving `$running` for any reason stops the running children.
// A map with a partial join (quorum, until, completeOn) or an intake (addOn,
// closeOn) keeps the same window: `decided` and `open` in it feed the guards
// that leave `$running`; with `cancel: false` the window runs on in a region of
// its own while `$next` joins and runs `then` (see compileMapShape below).
import { assign, enqueueActions } from "xstate";
import type { ItemsNode, MapJoin } from "../dsl/flow.js";
import { LogicError, ParallelExecutionFailed, stepchartErrorFromJSON, toStepchartError, ValidationError } from "../errors.js";
import { failure, fullPath, withFailure, withKey, withLane, type CollectedFailure, type RunContext } from "./context.js";
import { compileChild } from "./compile.js";
import type { Scope } from "./machine-parts.js";
import { compileMapShape } from "./map-join.js";
import { DONE } from "./sequence.js";
import type { ChildInput, ChildOutput } from "./workflow.js";
import { adoptChildOutcome } from "./child-workflow.js";

const RUNNING = "$running";
const JOIN = "$join";
const WAITING = 0;
const ACTIVE = 1;
const FINISHED = 2;
const FAILED = 3;

/** The progress of one map or pipeline, kept in `context.windows[path]`. */
export interface ItemWindow {
  /** Each item's current value: the input of its next stage, or its result. */
  values: unknown[];
  /** The stage each item is in (or waits for). */
  stage: number[];
  /** WAITING, ACTIVE, FINISHED or FAILED, per item. */
  status: number[];
  /** Per stage, the items waiting for a slot, first come first served. */
  queues: number[][];
  /** Per stage, how many items run. */
  running: number[];
  settled: number;
  failures: CollectedFailure[];
  /** addOn: items may still be added (until closeOn). */
  open?: boolean;
  /** A partial join was decided (quorum reached, until held, completeOn came): later outcomes are unheeded. */
  decided?: boolean;
}

type Spawn = { src: string; id: string; input: ChildInput };

export function compileItems(node: ItemsNode, scope: Scope, next: string) {
  const { parts, path, display, lane } = scope;
  const stages = node.stages.map((stage, s) => {
    const child = compileChild(stage.flow);
    parts.adoptCompensations(path, child);
    return { src: parts.actor(`stepchart.items ${path} ${s}`, () => child), limit: stage.maxConcurrency ?? Number.POSITIVE_INFINITY };
  });
  const childId = (stage: number, item: number) => `${path}.${stage}.${item}`;
  const eventPrefix = (kind: "done" | "error") => `xstate.${kind}.actor.${path}.`;

  /** Fills free slots, later stages first; returns the children to start. */
  function pump(w: ItemWindow, context: RunContext): Spawn[] {
    const spawns: Spawn[] = [];
    for (let s = stages.length - 1; s >= 0; s--) {
      while (w.running[s]! < stages[s]!.limit && w.queues[s]!.length > 0) {
        const item = w.queues[s]!.shift()!;
        w.running[s]!++;
        w.status[item] = ACTIVE;
        spawns.push({
          src: stages[s]!.src,
          id: childId(s, item),
          input: { runId: context.runId, prefix: `${fullPath(context, display)}[${item}]`, input: w.values[item] },
        });
      }
    }
    return spawns;
  }

  function copy(w: ItemWindow): ItemWindow {
    return {
      values: w.values.slice(),
      stage: w.stage.slice(),
      status: w.status.slice(),
      queues: w.queues.map((q) => q.slice()),
      running: w.running.slice(),
      settled: w.settled,
      failures: w.failures,
      ...(w.open !== undefined ? { open: w.open } : {}),
      ...(w.decided !== undefined ? { decided: w.decided } : {}),
    };
  }

  const join: MapJoin | undefined = node.join;
  const finishedResults = (w: ItemWindow) => w.values.filter((_, i) => w.status[i] === FINISHED);
  /** After an item finished: decides a partial join, or fails the map when its quorum can no longer be reached. */
  function decide(w: ItemWindow, context: RunContext): Partial<RunContext> {
    if (!join || w.decided) return {};
    const finished = w.status.filter((st) => st === FINISHED).length;
    if (join.quorum !== undefined && finished >= join.quorum) w.decided = true;
    else if (join.until && w.status.some((st) => st === FINISHED)) {
      try {
        if (join.until(finishedResults(w), context.v[lane])) w.decided = true;
      } catch (thrown) {
        const error = toStepchartError(thrown, `until of map "${fullPath(context, display)}"`);
        return { sel: withKey(context.sel, path, "failed"), ...withFailure(context, scope.slot, failure(context, display, error)) };
      }
    }
    if (w.decided) {
      if (w.open) w.open = false; // creation stops at the decision
      return {};
    }
    if (join.quorum !== undefined && !w.open && finished + (w.values.length - w.settled) < join.quorum) {
      const errors = w.failures.map((f) => ({ branch: f.branch, path: f.path, error: stepchartErrorFromJSON(f.error) }));
      const error = new ParallelExecutionFailed(fullPath(context, display), w.values.length, errors, { details: { quorum: join.quorum } });
      return { sel: withKey(context.sel, path, "failed"), ...withFailure(context, scope.slot, failure(context, display, error)) };
    }
    return {};
  }

  const open = parts.action(`stepchart.items.open ${path}`, () =>
    enqueueActions(({ context, enqueue }: { context: RunContext; enqueue: any }) => {
      let items: readonly unknown[];
      try {
        items = node.items(context.v[lane]);
        if (!Array.isArray(items)) {
          throw new ValidationError(`Expected \`items\` of ${node.kind} "${fullPath(context, display)}" to return an array, got ${items === null ? "null" : typeof items}`, {
            code: "items_not_array",
          });
        }
      } catch (thrown) {
        const error = toStepchartError(thrown, `items of ${node.kind} "${fullPath(context, display)}"`);
        enqueue.assign({ sel: withKey(context.sel, path, "failed"), ...withFailure(context, scope.slot, failure(context, display, error)) });
        return;
      }
      const n = items.length;
      const w: ItemWindow = {
        values: [...items],
        stage: new Array(n).fill(0),
        status: new Array(n).fill(WAITING),
        queues: stages.map((_, s) => (s === 0 ? Array.from({ length: n }, (_, i) => i) : [])),
        running: stages.map(() => 0),
        settled: 0,
        failures: [],
        ...(join?.addOn !== undefined ? { open: true } : {}),
      };
      const spawns = pump(w, context);
      enqueue.assign({ sel: withKey(context.sel, path, "running"), windows: withKey(context.windows, path, w) });
      for (const s of spawns) enqueue.spawnChild(s.src, { id: s.id, input: s.input });
    }),
  );

  const settle = parts.action(`stepchart.items.settle ${path}`, () =>
    enqueueActions(({ context, event, enqueue }: { context: RunContext; event: any; enqueue: any }) => {
      const isDone = event.type.startsWith(eventPrefix("done"));
      const [stageText, itemText] = event.type.slice(eventPrefix(isDone ? "done" : "error").length).split(".");
      const s = Number(stageText);
      const item = Number(itemText);
      const current = context.windows[path] as ItemWindow | undefined;
      if (!current || current.status[item] !== ACTIVE || current.stage[item] !== s) return; // stale: not ours any more
      const w = copy(current);
      w.running[s]!--;
      const out: ChildOutput = isDone
        ? (event.output as ChildOutput)
        : {
            ok: false,
            error: failure(context, `${display}[${item}]`, new LogicError(`Item ${item} of "${fullPath(context, display)}" stopped with an internal error`, {
              code: "internal_error",
              cause: toStepchartError(event.error),
            })),
            stack: [],
            compensation: { ran: [], failed: [] },
          };
      if (out.ok) {
        w.values[item] = out.value;
        if (s + 1 < stages.length) {
          w.stage[item] = s + 1;
          w.status[item] = WAITING;
          w.queues[s + 1]!.push(item);
        } else {
          w.status[item] = FINISHED;
          w.settled++;
        }
      } else {
        w.status[item] = FAILED;
        w.settled++;
        w.values[item] = null;
        // After an early join the rest finish unheeded (cancel: false): their failures too.
        if (!w.decided) w.failures = [...w.failures, { branch: `[${item}]`, path: out.error.path, error: out.error.error }];
      }
      const decision = decide(w, context);
      const spawns = pump(w, context);
      enqueue.assign({ windows: withKey(context.windows, path, w), ...adoptChildOutcome(context, path, out), ...decision });
      // XState keeps a finished child in `children` (and in every snapshot) until it is stopped.
      enqueue.stopChild(childId(s, item));
      for (const sp of spawns) enqueue.spawnChild(sp.src, { id: sp.id, input: sp.input });
    }),
  );

  const close = parts.action(`stepchart.items.close ${path}`, () =>
    enqueueActions(({ context, enqueue }: { context: RunContext; enqueue: any }) => {
      const w = context.windows[path] as ItemWindow | undefined;
      if (!w) return;
      w.status.forEach((status, item) => {
        if (status === ACTIVE) enqueue.stopChild(childId(w.stage[item]!, item));
      });
    }),
  );

  const joinAction = parts.action(`stepchart.items.join ${path}`, () =>
    assign(({ context }: { context: RunContext }): Partial<RunContext> => {
      const w = context.windows[path] as ItemWindow;
      const windows = { ...context.windows };
      // With `cancel: false` the window runs on after the join; the block's exit forgets it.
      if (join?.cancel !== false) delete windows[path];
      if (w.failures.length > 0 && join?.quorum === undefined) {
        const errors = w.failures.map((f) => ({ branch: f.branch, path: f.path, error: stepchartErrorFromJSON(f.error) }));
        const error = new ParallelExecutionFailed(fullPath(context, display), w.values.length, errors);
        return { sel: withKey(context.sel, path, "failed"), ...withFailure(context, scope.slot, failure(context, display, error)), windows };
      }
      const results = join ? finishedResults(w) : w.values;
      let output: unknown = results;
      if (node.combine) {
        try {
          output = node.combine(results, context.v[lane]);
        } catch (thrown) {
          const error = toStepchartError(thrown, `combine of ${node.kind} "${fullPath(context, display)}"`);
          return { sel: withKey(context.sel, path, "failed"), ...withFailure(context, scope.slot, failure(context, display, error)), windows };
        }
      }
      return { sel: withKey(context.sel, path, "ok"), v: withLane(context.v, lane, output), windows };
    }),
  );

  const failed = parts.guard(`${display}: failed`, ({ context }) => context.sel[path] === "failed");
  const settled = parts.guard(`${display}: every item settled`, ({ context }) => {
    const w = context.windows[path] as ItemWindow | undefined;
    return w !== undefined && w.settled === w.values.length && !w.open;
  });
  const limits = stages.map((s) => (Number.isFinite(s.limit) ? String(s.limit) : "∞")).join(" / ");
  const running = {
    entry: open,
    exit: close,
    on: {
      [`${eventPrefix("done")}*`]: { actions: settle },
      [`${eventPrefix("error")}*`]: { actions: settle },
    },
    meta: { stepchart: { items: path, stages: node.stages.map((s) => s.flow.name), limits } },
  };
  if (join) return compileMapShape(node, join, scope, next, { running, joinAction, failed, settled, pump, copy });

  return {
    initial: RUNNING,
    states: {
      [RUNNING]: {
        ...running,
        always: [
          { guard: failed, target: scope.onError, description: "items could not be computed" },
          { guard: settled, target: JOIN, description: "every item settled" },
        ],
      },
      [JOIN]: { entry: joinAction, always: [{ guard: failed, target: scope.onError, description: "an item failed" }, { target: DONE }] },
      [DONE]: { type: "final" },
    },
    onDone: { target: next },
  };
}
