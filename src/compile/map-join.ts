// The shape of a map with a partial join (quorum, until, completeOn: WCP-27,
// 34, 35, 36) or an intake (addOn, closeOn: WCP-15), around the window of
// items.ts. Its `$running` state also takes the intake and completion events
// (listed in its meta, so the runtime accepts them exactly while items run)
// and leaves by `decided` (set in the window after each finish, or by
// completeOn) as well as by "every item settled" (with the intake closed).
//   cancel: true   $running → $join → then → $done; leaving $running stops
//                  the running items and drops the queued ones.
//   cancel: false  $running is a parallel state: `$items` keeps the window
//                  going until every item settled, while `$next` waits for the
//                  decision, joins and runs `then`; the map ends when both have.
import { assign, enqueueActions } from "xstate";
import { z } from "zod";
import type { ItemsNode, MapJoin } from "../dsl/flow.js";
import { withKey, type RunContext } from "./context.js";
import { compileFlow } from "./flow.js";
import type { ItemWindow } from "./items.js";
import { childScope, type Scope } from "./machine-parts.js";
import { DONE } from "./sequence.js";
import type { ChildInput } from "./workflow.js";

const RUNNING = "$running";
const JOIN = "$join";
const ITEMS = "$items";
const NEXT = "$next";
const WAIT = "$wait";
const ALL = "$all";
const OK = "$ok";
const WAITING = 0;

/** What items.ts hands over: its `$running` state and the window operations. */
export interface MapPieces {
  running: { on: Record<string, object>; meta: { stepchart: Record<string, unknown> } } & Record<string, unknown>;
  joinAction: string;
  failed: string;
  settled: string;
  pump(w: ItemWindow, context: RunContext): { src: string; id: string; input: ChildInput }[];
  copy(w: ItemWindow): ItemWindow;
}

/** An addOn event's payload: `item`, or an array `items`. */
const ITEMS_PAYLOAD = z
  .looseObject({})
  .refine((p) => "item" in p || Array.isArray((p as { items?: unknown }).items), { message: "Expected the event to carry `item` or an array `items`" });

export function compileMapShape(node: ItemsNode, join: MapJoin, scope: Scope, next: string, p: MapPieces) {
  const { parts, path, display } = scope;
  const windowOf = (context: RunContext) => context.windows[path] as ItemWindow | undefined;
  const on: Record<string, object> = { ...p.running.on };
  const accepts: { key: string; event: string }[] = [];
  const accept = (event: string, schema?: z.ZodType) => {
    const key = `${path}:${event}`;
    parts.waits.set(key, { event, path: display, ...(schema ? { schema } : {}) });
    accepts.push({ key, event });
  };
  /** Updates the window with `change` (on a copy), if the map still runs. */
  const update = (name: string, change: (w: ItemWindow) => void) =>
    parts.action(`stepchart.items.${name} ${path}`, () =>
      assign(({ context }: { context: RunContext }): Partial<RunContext> => {
        const current = windowOf(context);
        if (!current) return {};
        const w = p.copy(current);
        change(w);
        return { windows: withKey(context.windows, path, w) };
      }),
    );

  if (join.addOn !== undefined) {
    const add = parts.action(`stepchart.items.add ${path}`, () =>
      enqueueActions(({ context, event, enqueue }: { context: RunContext; event: any; enqueue: any }) => {
        const current = windowOf(context);
        if (!current?.open) return;
        const w = p.copy(current);
        const added: unknown[] = Array.isArray(event.items) ? event.items : [event.item];
        for (const item of added) {
          w.queues[0]!.push(w.values.length);
          w.values.push(item === undefined ? null : item);
          w.stage.push(0);
          w.status.push(WAITING);
        }
        const spawns = p.pump(w, context);
        enqueue.assign({ windows: withKey(context.windows, path, w) });
        for (const s of spawns) enqueue.spawnChild(s.src, { id: s.id, input: s.input });
      }),
    );
    on[join.addOn] = { actions: add, description: `${join.addOn} adds items` };
    accept(join.addOn, ITEMS_PAYLOAD);
  }
  if (join.closeOn !== undefined) {
    on[join.closeOn] = { actions: update("closeIntake", (w) => (w.open = false)), description: `${join.closeOn} closes the intake` };
    accept(join.closeOn);
  }
  if (join.completeOn !== undefined) {
    on[join.completeOn] = {
      actions: update("complete", (w) => {
        w.decided = true;
        if (w.open) w.open = false;
      }),
      description: `${join.completeOn} completes it`,
    };
    accept(join.completeOn);
  }
  const reasons = [
    ...(join.quorum !== undefined ? [`${join.quorum} finished`] : []),
    ...(join.until ? ["until holds"] : []),
    ...(join.completeOn !== undefined ? [`${join.completeOn} came`] : []),
  ];
  const decided = parts.guard(`${display}: ${reasons.join(" or ") || "decided"}`, ({ context }) => windowOf(context)?.decided === true);
  const decidedOrSettled = parts.guard(`${display}: ${[...reasons, "every item settled"].join(" or ")}`, ({ context }) => {
    const w = windowOf(context);
    return w !== undefined && (w.decided === true || (w.settled === w.values.length && !w.open));
  });
  const forget = parts.action(`stepchart.items.forget ${path}`, () =>
    assign(({ context }: { context: RunContext }): Partial<RunContext> => {
      if (!(path in context.windows)) return {};
      const windows = { ...context.windows };
      delete windows[path];
      return { windows };
    }),
  );
  const running = { ...p.running, on, meta: { stepchart: { ...p.running.meta.stepchart, ...(accepts.length > 0 ? { accepts } : {}) } } };
  const failedItems = { guard: p.failed, target: scope.onError, description: "an item failed" };
  const thenStates = (after: string): Record<string, object> =>
    join.then ? { [join.then.name]: compileFlow(join.then, childScope(scope, join.then.name), after) } : {};

  if (join.cancel) {
    return {
      initial: RUNNING,
      exit: forget,
      states: {
        [RUNNING]: {
          ...running,
          always: [
            failedItems,
            { guard: decided, target: JOIN, description: reasons.join(" or ") },
            { guard: p.settled, target: JOIN, description: "every item settled" },
          ],
        },
        [JOIN]: { entry: p.joinAction, always: [failedItems, { target: join.then ? join.then.name : DONE }] },
        ...thenStates(DONE),
        [DONE]: { type: "final" },
      },
      onDone: { target: next },
    };
  }
  return {
    initial: RUNNING,
    exit: forget,
    states: {
      [RUNNING]: {
        type: "parallel",
        states: {
          [ITEMS]: {
            initial: RUNNING,
            states: {
              [RUNNING]: { ...running, always: [failedItems, { guard: p.settled, target: ALL, description: "every item settled" }] },
              [ALL]: { type: "final" },
            },
          },
          [NEXT]: {
            initial: WAIT,
            states: {
              [WAIT]: { always: { guard: decidedOrSettled, target: JOIN, description: reasons.join(" or ") } },
              [JOIN]: { entry: p.joinAction, always: [failedItems, { target: join.then ? join.then.name : OK }] },
              ...thenStates(OK),
              [OK]: { type: "final" },
            },
          },
        },
        onDone: { target: DONE },
      },
      [DONE]: { type: "final" },
    },
    onDone: { target: next },
  };
}
