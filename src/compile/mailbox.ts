// The mailbox of buffered waits (WCP-24 persistent trigger): the state that
// holds the whole flow keeps events of a buffered type that no wait takes
// (a waiting state's own transition wins: XState prefers the deeper state),
// in `context.mailbox[type]`, oldest first, so they are persisted; a buffered
// wait takes the oldest on entry. An event is kept only when its payload fits
// every buffered wait of its type, so that whichever wait takes it can use it.
import { assign } from "xstate";
import type { ZodType } from "zod";
import type { RunContext } from "./context.js";
import type { MachineParts } from "./machine-parts.js";
import { payloadOf } from "./wait-for.js";

const schemasByParts = new WeakMap<MachineParts, Map<string, ZodType[]>>();

/** Makes the flow's state keep `event`s for the buffered wait at `key` (a state path). */
export function registerMailbox(parts: MachineParts, event: string, key: string, schema: ZodType | undefined): void {
  let byEvent = schemasByParts.get(parts);
  if (!byEvent) schemasByParts.set(parts, (byEvent = new Map()));
  let schemas = byEvent.get(event);
  if (!schemas) {
    const all: ZodType[] = (schemas = []);
    byEvent.set(event, all);
    const fits = parts.guard(`${event} fits every buffered wait for it`, ({ event: e }) => all.every((s) => s.safeParse(payloadOf(e)).success));
    const keep = parts.action(`stepchart.mailbox.keep ${event}`, () =>
      assign(({ context, event: e }: { context: RunContext; event: any }): Partial<RunContext> => ({
        mailbox: { ...context.mailbox, [event]: [...(context.mailbox?.[event] ?? []), payloadOf(e)] },
      })),
    );
    parts.whileRunning.on[event] = { guard: fits, actions: keep, description: `keep ${event}` };
  }
  if (schema) schemas.push(schema);
  parts.whileRunning.buffers.push({ key, event });
}

/** The guard and action of a buffered wait's `$waiting` state: take the oldest kept `event` into `lane`. */
export function takeFromMailbox(parts: MachineParts, event: string, lane: number, path: string): { guard: string; actions: string } {
  const guard = parts.guard(`a kept ${event} is waiting`, ({ context }) => (context.mailbox?.[event]?.length ?? 0) > 0);
  const actions = parts.action(`stepchart.mailbox.take ${path}`, () =>
    assign(({ context }: { context: RunContext }): Partial<RunContext> => {
      const [oldest, ...rest] = context.mailbox![event]!;
      const v = context.v.slice();
      v[lane] = oldest;
      const mailbox = { ...context.mailbox };
      if (rest.length > 0) mailbox[event] = rest;
      else delete mailbox[event];
      return { v, mailbox };
    }),
  );
  return { guard, actions };
}
