// Delivering an external event to a run: finds the actors of the run (the
// root and its child machines) that wait for it right now, validates the
// payload against each wait's schema (an invalid payload throws a
// ValidationError to the sender and the run keeps waiting), then sends it.
// An event nobody waits for is not delivered (a transient trigger).
import type { AnyActorRef, AnyEventObject } from "xstate";
import type { CompiledMachine } from "../compile/machine.js";
import { ESCALATED_TAG, OPERATOR_EVENTS } from "../compile/escalate.js";
import { parseWith } from "../compile/schema.js";
import { payloadOf } from "../compile/wait-for.js";
import { ValidationError } from "../errors.js";
import { assertPayload, DEFAULT_MAX_PAYLOAD_BYTES } from "../compile/json-data.js";
import { actorsOf } from "./actors.js";

export interface Delivery {
  /** Whether some part of the run took the event. */
  delivered: boolean;
  /** The event types the run waits for now (for messages and UIs). */
  waitingFor: string[];
}

interface Waiter {
  actor: AnyActorRef;
  event: string;
  check?: (event: AnyEventObject) => void;
}

function waitersOf(root: AnyActorRef): Waiter[] {
  const waiters: Waiter[] = [];
  for (const actor of actorsOf(root)) {
    const logic = (actor as { logic?: unknown }).logic as CompiledMachine | undefined;
    const snapshot = actor.getSnapshot() as { getMeta?: () => Record<string, any>; hasTag?: (t: string) => boolean };
    if (!logic?.info || typeof snapshot.getMeta !== "function") continue;
    for (const meta of Object.values(snapshot.getMeta())) {
      const wait = meta?.stepchart?.wait as { key: string; event: string } | undefined;
      // Events a state takes at any time besides its wait: those of buffered waits
      // (src/compile/mailbox.ts), a map's addOn, closeOn and completeOn.
      const accepted = (meta?.stepchart?.accepts ?? []) as { key: string; event: string }[];
      for (const w of wait ? [wait, ...accepted] : accepted) waiters.push(waiterOf(actor, logic, w));
    }
    if (snapshot.hasTag?.(ESCALATED_TAG)) for (const event of OPERATOR_EVENTS) waiters.push({ actor, event });
  }
  return waiters;
}

function waiterOf(actor: AnyActorRef, logic: CompiledMachine, wait: { key: string; event: string }): Waiter {
  const info = logic.info.waits.get(wait.key);
  const schema = info?.schema;
  if (!schema) return { actor, event: wait.event };
  const check = (event: AnyEventObject) => {
    const parsed = parseWith(schema, payloadOf(event), `payload of ${event.type} for "${info!.path}"`);
    if (!parsed.ok) throw parsed.error;
  };
  return { actor, event: wait.event, check };
}

/** The event types a run accepts now. */
export function waitingFor(root: AnyActorRef): string[] {
  return [...new Set(waitersOf(root).map((w) => w.event))].sort();
}

/** Throws a ValidationError when `event` is not a usable event (no type, a reserved type, not JSON, too large). */
export function assertEvent(event: AnyEventObject, maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES): void {
  if (typeof event !== "object" || event === null || typeof event.type !== "string" || event.type === "") {
    throw new ValidationError(`Expected an event like { type: "APPROVE", ... }, got ${event === null ? "null" : typeof event}`, { code: "invalid_event" });
  }
  assertPayload(event, `event ${event.type}`, "event_not_json", maxPayloadBytes);
  if (event.type.startsWith("xstate.") || (event.type.startsWith("stepchart.") && !(OPERATOR_EVENTS as readonly string[]).includes(event.type))) {
    throw new ValidationError(`Event type "${event.type}" is reserved for XState and stepchart; use your own type, like "APPROVE"`, {
      code: "reserved_event_type",
    });
  }
}

/**
 * Whether the run takes `event` now, checking its payload: throws a
 * ValidationError when the payload does not fit; sends nothing.
 */
export function accepts(root: AnyActorRef, event: AnyEventObject, maxPayloadBytes?: number): Delivery {
  assertEvent(event, maxPayloadBytes);
  const waiters = waitersOf(root);
  const takers = waiters.filter((w) => w.event === event.type);
  for (const taker of takers) taker.check?.(event);
  return { delivered: takers.length > 0, waitingFor: [...new Set(waiters.map((w) => w.event))].sort() };
}

/** Validates and delivers `event`; throws ValidationError when its payload does not fit. */
export function deliver(root: AnyActorRef, event: AnyEventObject, maxPayloadBytes?: number): Delivery {
  assertEvent(event, maxPayloadBytes);
  const waiters = waitersOf(root);
  const takers = waiters.filter((w) => w.event === event.type);
  const waiting = [...new Set(waiters.map((w) => w.event))].sort();
  if (takers.length === 0) return { delivered: false, waitingFor: waiting };
  for (const taker of takers) taker.check?.(event);
  const sent = new Set<AnyActorRef>();
  for (const taker of takers) {
    if (sent.has(taker.actor)) continue;
    sent.add(taker.actor);
    taker.actor.send(event);
  }
  return { delivered: true, waitingFor: waiting };
}
