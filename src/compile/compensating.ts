// The compensating state of a saga (and of a cancelled run): spawns the
// compensation machine of the newest stack record above the owner's base,
// waits for it, records it as ran or failed (a failure is logged and the rest
// still run), pops it and goes on, newest first, until the stack is back at
// the base. One compensation runs at a time.
import { enqueueActions } from "xstate";
import { withKey, type RunContext, type StackRecord } from "./context.js";
import type { MachineParts } from "./machine-parts.js";
import { servicesOf } from "./services.js";
import type { ChildInput, ChildOutput } from "./workflow.js";

const COMPENSATED = "compensated";

/** The key of `counters` holding the stack depth when `owner` was entered. */
export function baseKey(owner: string): string {
  return `${owner}#base`;
}

/** An atomic state config that compensates the records above `owner`'s base, then goes to `next`. */
export function compensatingState(parts: MachineParts, owner: string, display: string, next: string) {
  const childPrefix = `${owner}.$undo`;
  const spawnFor = (context: RunContext, stack: StackRecord[], enqueue: any): boolean => {
    const base = context.counters[baseKey(owner)] ?? 0;
    if (stack.length <= base) return false;
    const record = stack[stack.length - 1]!;
    const input: ChildInput = { runId: context.runId, prefix: record.path, input: record.output };
    enqueue.spawnChild(record.undo, { id: `${childPrefix}.${stack.length - 1}`, input });
    return true;
  };
  const start = parts.action(`stepchart.compensate.start ${owner}`, () =>
    enqueueActions(({ context, enqueue }: { context: RunContext; enqueue: any }) => {
      const spawned = spawnFor(context, context.stack, enqueue);
      enqueue.assign({ sel: withKey(context.sel, owner, spawned ? "compensating" : COMPENSATED) });
    }),
  );
  const settle = parts.action(`stepchart.compensate.settle ${owner}`, () =>
    enqueueActions(({ context, event, enqueue, self }: { context: RunContext; event: any; enqueue: any; self: any }) => {
      const index = Number(event.type.slice(event.type.lastIndexOf(".") + 1));
      if (index !== context.stack.length - 1) return; // not the compensation we are waiting for
      const record = context.stack[index]!;
      const out = event.type.startsWith("xstate.done.") ? (event.output as ChildOutput) : undefined;
      const ok = out?.ok === true;
      if (!ok) {
        servicesOf(self).log({
          level: "error",
          message: `The compensation of "${record.path}" failed; the remaining compensations still run`,
          runId: context.runId,
          path: record.path,
          fields: { error: out && !out.ok ? out.error.error : event.error },
        });
      }
      const { ran, failed } = context.compensation;
      const stack = context.stack.slice(0, -1);
      enqueue.assign({
        stack,
        compensation: ok ? { ran: [...ran, record.path], failed } : { ran, failed: [...failed, record.path] },
      });
      enqueue.stopChild(`${childPrefix}.${index}`);
      if (!spawnFor(context, stack, enqueue)) enqueue.assign({ sel: withKey(context.sel, owner, COMPENSATED) });
    }),
  );
  const finished = parts.guard(`${display}: compensation finished`, ({ context }) => context.sel[owner] === COMPENSATED);
  return {
    entry: start,
    on: {
      [`xstate.done.actor.${childPrefix}.*`]: { actions: settle },
      [`xstate.error.actor.${childPrefix}.*`]: { actions: settle },
    },
    always: { guard: finished, target: next, description: "every completed step compensated, newest first" },
    tags: ["stepchart.compensating"],
    meta: { stepchart: { compensating: owner } },
  };
}
