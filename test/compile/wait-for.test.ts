import { createActor, SimulatedClock } from "xstate";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { compile, sequence, sleep, start, step, ValidationError, waitFor, WaitTimeoutError, workflow, type LogEntry } from "../../src/index.js";
import { TestClock } from "../../src/testing/index.js";
import { flush } from "../support/gate.js";

const Approval = z.object({ by: z.string(), note: z.string().optional() });

describe("waitFor", () => {
  it("compiles to a waiting state taking the event, with a durable timer for the timeout", () => {
    const w = (compile(workflow("W", waitFor("Approve", "APPROVE", { timeout: "48h" }))).config as any).states.Approve;
    expect(Object.keys(w.states)).toEqual(["$waiting", "$received", "$timedOut", "$done"]);
    expect(w.states.$waiting.on.APPROVE.target).toBe("$received");
    expect(w.states.$waiting.invoke.src).toBe("stepchart.timer");
    expect(w.states.$waiting.tags).toEqual(["stepchart.waiting"]);
  });

  it("waits for the event and outputs the input merged with the payload", async () => {
    const handle = start(workflow("W", waitFor("Approve", "APPROVE", { schema: Approval })), { doc: 42 }, { log: () => undefined });
    await flush();
    expect(handle.waitingFor()).toEqual(["APPROVE"]);
    expect(handle.send({ type: "APPROVE", by: "dr-who" })).toBe(true);
    expect(await handle.result).toEqual({ doc: 42, by: "dr-who" });
  });

  it("outputs the payload alone with merge: false, or what merge returns", async () => {
    const a = start(waitFor("A", "GO", { merge: false }), { doc: 1 }, { log: () => undefined });
    await flush();
    a.send({ type: "GO", x: 1 });
    expect(await a.result).toEqual({ x: 1 });
    const b = start(waitFor("B", "GO", { merge: (input: { doc: number }, p: { x: number }) => input.doc + p.x }), { doc: 1 }, { log: () => undefined });
    await flush();
    b.send({ type: "GO", x: 41 });
    expect(await b.result).toBe(42);
  });

  it("refuses an invalid payload with a ValidationError to the sender, and keeps waiting", async () => {
    const handle = start(waitFor("Approve", "APPROVE", { schema: Approval }), {}, { log: () => undefined });
    await flush();
    expect(() => handle.send({ type: "APPROVE", by: 7 })).toThrow(ValidationError);
    expect(() => handle.send({ type: "APPROVE" })).toThrow('Invalid payload of APPROVE for "Approve": 1 issue(s)');
    expect(handle.waitingFor()).toEqual(["APPROVE"]);
    handle.send({ type: "APPROVE", by: "nurse" });
    expect(await handle.result).toEqual({ by: "nurse" });
  });

  it("does not move on an invalid payload sent to the raw actor either", async () => {
    const actor = createActor(compile(workflow("W", waitFor("Approve", "APPROVE", { schema: Approval }))), { input: {} }).start();
    actor.send({ type: "APPROVE", by: 7 });
    expect(actor.getSnapshot().hasTag("stepchart.waiting")).toBe(true);
  });

  it("ignores and reports an event the run is not waiting for, without crashing", async () => {
    const lines: LogEntry[] = [];
    const handle = start(sequence("S", [sleep("Pause", "1h"), waitFor("Approve", "APPROVE")]), {}, { log: (e) => lines.push(e), clock: new TestClock() });
    await flush();
    expect(handle.send({ type: "APPROVE", by: "x" })).toBe(false);
    expect(handle.send({ type: "REJECT" })).toBe(false);
    expect(lines.map((l) => l.message)).toEqual([
      "Event APPROVE ignored: the run is not waiting for it (waiting for: nothing)",
      "Event REJECT ignored: the run is not waiting for it (waiting for: nothing)",
    ]);
    expect(handle.actor.getSnapshot().status).toBe("active");
  });

  it("refuses reserved event types", async () => {
    const handle = start(waitFor("A", "GO"), {}, { log: () => undefined });
    expect(() => handle.send({ type: "xstate.done.actor.x" })).toThrow('Event type "xstate.done.actor.x" is reserved for XState and stepchart');
  });

  it("fails with WaitTimeoutError when the timeout passes first", async () => {
    const clock = new TestClock();
    const handle = start(workflow("W", waitFor("Approve", "APPROVE", { timeout: "48h" })), {}, { clock, log: () => undefined });
    await clock.advance(48 * 3_600_000 - 1);
    expect(handle.waitingFor()).toEqual(["APPROVE"]);
    await clock.advance(1);
    const error: any = await handle.result.catch((e) => e);
    expect(error.step).toBe("Approve");
    expect(error.cause).toBeInstanceOf(WaitTimeoutError);
    expect(error.cause.message).toBe('No APPROVE reached "Approve" within 172800000ms, and it has no `onTimeout` flow');
    expect(handle.send({ type: "APPROVE" })).toBe(false);
  });

  it("runs onTimeout with the wait's input when the timeout passes first", async () => {
    const clock = new TestClock();
    const handle = start(waitFor("Approve", "APPROVE", { timeout: "1h", onTimeout: step("Escalate", (x: { doc: number }) => ({ ...x, escalated: true })) }), { doc: 3 }, { clock, log: () => undefined });
    await clock.advance(3_600_000);
    expect(await handle.result).toEqual({ doc: 3, escalated: true });
  });

  it("after a restore, waits only what is left of its timeout, and still takes the event", async () => {
    const clock = new TestClock(0);
    const wf = workflow("W", waitFor("Approve", "APPROVE", { timeout: "48h", onTimeout: step("late", () => "timed out") }));
    const first = start(wf, {}, { clock, log: () => undefined });
    await clock.advance(40 * 3_600_000);
    const persisted = JSON.parse(JSON.stringify(first.snapshot()));
    first.actor.stop();
    const second = createActor(compile(wf), { snapshot: persisted, clock, input: undefined });
    const out = new Promise((resolve) => second.subscribe({ complete: () => resolve(second.getSnapshot().output) }));
    second.start();
    await clock.advance(8 * 3_600_000 - 1);
    expect(second.getSnapshot().hasTag("stepchart.waiting")).toBe(true);
    await clock.advance(1);
    expect(await out).toBe("timed out");
  });
});

describe("sleep", () => {
  it("sleeps on XState's SimulatedClock too", async () => {
    const clock = new SimulatedClock();
    const handle = start(sequence("S", [sleep("Nap", "2h"), step("wake", () => clock.now())]), null, { clock, log: () => undefined });
    await flush();
    clock.increment(2 * 3_600_000 - 1);
    await flush();
    expect(handle.actor.getSnapshot().status).toBe("active");
    clock.increment(1);
    expect(await handle.result).toBe(7_200_000);
  });

  it("sleeps exactly its duration on the run's clock and passes its input on", async () => {
    const clock = new TestClock();
    const at: number[] = [];
    const wf = sequence("S", [step("a", (x: number) => (at.push(clock.now()), x)), sleep("CoolDown", "10m"), step("b", (x: number) => (at.push(clock.now()), x + 1))]);
    const handle = start(wf, 1, { clock, log: () => undefined });
    await clock.advance(600_000);
    expect(await handle.result).toBe(2);
    expect(at).toEqual([0, 600_000]);
  });

  it("survives a restore and sleeps only what is left", async () => {
    const clock = new TestClock();
    const wf = workflow("W", sleep("Nap", "1h"));
    const first = start(wf, "x", { clock, log: () => undefined });
    await clock.advance(1_800_000);
    const persisted = first.snapshot();
    first.actor.stop();
    const second = createActor(compile(wf), { snapshot: persisted as any, clock, input: undefined }).start();
    await clock.advance(1_799_999);
    expect(second.getSnapshot().status).toBe("active");
    await clock.advance(1);
    expect(second.getSnapshot().output).toBe("x");
  });
});
