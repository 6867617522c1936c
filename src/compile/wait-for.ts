// waitFor -> a compound state: `$waiting` takes the event (guarded by the
// payload schema: an invalid payload never moves the run) and, with a
// timeout, invokes the durable timer beside it; `$received` builds the output
// from the input and the payload; on timeout, the `onTimeout` flow runs or the
// wait fails with WaitTimeoutError. The runtime validates payloads before
// delivering them, so a sender hears about an invalid one (see MachineInfo.waits).
// A buffered wait also takes, on entry, an event kept while nothing waited (mailbox.ts).
import { assign } from "xstate";
import type { WaitNode } from "../dsl/flow.js";
import { toStepchartError, WaitTimeoutError } from "../errors.js";
import { failure, fullPath, withFailure, withKey, withLane, type RunContext } from "./context.js";
import { compileFlow } from "./flow.js";
import { childScope, type Scope } from "./machine-parts.js";
import { DONE } from "./sequence.js";
import { invokeTimer, registerTimer, SET_DEADLINE } from "./timer.js";
import { registerMailbox, takeFromMailbox } from "./mailbox.js";

export const WAITING = "$waiting";
export const WAITING_TAG = "stepchart.waiting";
const RECEIVED = "$received";
const TIMED_OUT = "$timedOut";

/** The payload of an event: the event without its `type`. */
export function payloadOf(event: { type: string } & Record<string, unknown>): Record<string, unknown> {
  const { type: _type, ...payload } = event;
  return payload;
}

export function compileWaitFor(node: WaitNode, scope: Scope, next: string) {
  const { parts, path, display, lane } = scope;
  const payloadLane = parts.newLane();
  parts.waits.set(path, { event: node.event, path: display, ...(node.schema ? { schema: node.schema } : {}) });

  const accepts = parts.guard(`${display}: ${node.event} payload is valid`, ({ event }) =>
    node.schema ? node.schema.safeParse(payloadOf(event)).success : true,
  );
  const take = parts.action(`stepchart.wait.take ${path}`, () =>
    assign(({ context, event }: { context: RunContext; event: any }): Partial<RunContext> => {
      const payload = payloadOf(event);
      return { v: withLane(context.v, payloadLane, node.schema ? node.schema.parse(payload) : payload) };
    }),
  );
  const merge = parts.action(`stepchart.wait.merge ${path}`, () =>
    assign(({ context }: { context: RunContext }): Partial<RunContext> => {
      const input = context.v[lane];
      const payload = context.v[payloadLane] as Record<string, unknown>;
      try {
        const output =
          node.merge === false
            ? payload
            : node.merge
              ? node.merge(input, payload)
              : typeof input === "object" && input !== null && !Array.isArray(input)
                ? { ...input, ...payload }
                : payload;
        const v = withLane(context.v, lane, output);
        v[payloadLane] = null;
        return { v, sel: withKey(context.sel, path, "received") };
      } catch (thrown) {
        const error = toStepchartError(thrown, `merge of waitFor "${fullPath(context, display)}"`);
        return { sel: withKey(context.sel, path, "failed"), ...withFailure(context, scope.slot, failure(context, display, error)) };
      }
    }),
  );
  const mergeFailed = parts.guard(`${display}: merge failed`, ({ context }) => context.sel[path] === "failed");

  let fromMailbox: object = {};
  if (node.buffered) {
    // A buffered wait first takes the oldest kept event, if there is one (see mailbox.ts).
    registerMailbox(parts, node.event, path, node.schema);
    fromMailbox = { always: { ...takeFromMailbox(parts, node.event, payloadLane, path), target: RECEIVED, description: `kept ${node.event}` } };
  }
  const states: Record<string, object> = {
    [WAITING]: {
      ...fromMailbox,
      ...(node.timeoutMs !== undefined ? { invoke: invokeTimer(path, { target: node.onTimeout ? node.onTimeout.name : TIMED_OUT }) } : {}),
      on: { [node.event]: { guard: accepts, target: RECEIVED, actions: take, description: node.event } },
      tags: [WAITING_TAG],
      meta: { stepchart: { wait: { key: path, event: node.event }, ...(node.timeoutMs !== undefined ? { timer: path, timeoutMs: node.timeoutMs } : {}) } },
    },
    [RECEIVED]: { entry: merge, always: [{ guard: mergeFailed, target: scope.onError }, { target: DONE }] },
  };
  if (node.onTimeout) {
    states[node.onTimeout.name] = compileFlow(node.onTimeout, childScope(scope, node.onTimeout.name), DONE);
  } else if (node.timeoutMs !== undefined) {
    const timedOut = parts.action(`stepchart.wait.timedOut ${path}`, () =>
      assign(({ context }: { context: RunContext }): Partial<RunContext> =>
        withFailure(
          context,
          scope.slot,
          failure(
            context,
            display,
            new WaitTimeoutError(`No ${node.event} reached "${fullPath(context, display)}" within ${node.timeoutMs}ms, and it has no \`onTimeout\` flow`, {
              details: { event: node.event, timeoutMs: node.timeoutMs },
            }),
          ),
        ),
      ),
    );
    states[TIMED_OUT] = { entry: timedOut, always: { target: scope.onError, description: "timed out" } };
  }
  states[DONE] = { type: "final" };
  if (node.timeoutMs !== undefined) registerTimer(parts);
  return {
    initial: WAITING,
    ...(node.timeoutMs !== undefined ? { entry: { type: SET_DEADLINE, params: { key: path, delayMs: node.timeoutMs } } } : {}),
    states,
    onDone: { target: next },
  };
}
