import { describe, expect, it } from "vitest";
import { z } from "zod";
import { compile, createEngine, memoryStore, sequence, start, step, toMermaid, ValidationError, waitFor, workflow } from "../../src/index.js";
import { TestClock } from "../../src/testing/index.js";
import { Gate, flush } from "../support/gate.js";
import { Timeline } from "./timeline.js";

const quiet = { log: () => undefined };

describe("waitFor(…, { buffered: true })", () => {
  it("WCP-24 persistent trigger: an event sent before the wait is kept and taken the moment the wait is reached", async () => {
    const clock = new TestClock();
    const t = new Timeline(clock);
    const wf = sequence("Order", [t.step("Pack", 10), waitFor("Payment", "PAID", { buffered: true }), t.step("Ship", 5)]);
    const handle = start(wf, { order: 1 }, { clock, ...quiet });
    await clock.advance(3);
    expect(handle.waitingFor()).toEqual(["PAID"]);
    expect(handle.send({ type: "PAID", amount: 12 })).toBe(true);
    expect(handle.actor.getSnapshot().context.mailbox).toEqual({ PAID: [{ amount: 12 }] });
    await clock.advance(20);
    expect(await handle.result).toEqual({ order: 1, amount: 12 });
    expect(t.picture).toEqual(["Order.Pack 0-10", "Order.Ship 10-15"]);
    expect(handle.actor.getSnapshot().context.mailbox).toEqual({});
  });

  it("WCP-24 persistent trigger: kept events are taken in the order they came, one per wait; a wait reached first still takes the next event", async () => {
    const clock = new TestClock();
    const t = new Timeline(clock);
    const add = (list: number[], p: { n: number }) => [...list, p.n];
    const wf = sequence("Collect", [
      t.step("Busy", 10),
      waitFor("First", "ITEM", { buffered: true, merge: add }),
      waitFor("Second", "ITEM", { buffered: true, merge: add }),
      waitFor("Third", "ITEM", { buffered: true, merge: add }),
    ]);
    const handle = start(wf, [] as number[], { clock, ...quiet });
    await clock.advance(1);
    handle.send({ type: "ITEM", n: 1 });
    handle.send({ type: "ITEM", n: 2 });
    await clock.advance(20);
    expect(handle.actor.getSnapshot().value).toEqual({ Collect: { Third: "$waiting" } });
    handle.send({ type: "ITEM", n: 3 });
    expect(await handle.result).toEqual([1, 2, 3]);
  });

  it("WCP-23 transient trigger stays the default: without buffered an early event is refused and lost", async () => {
    const clock = new TestClock();
    const t = new Timeline(clock);
    const handle = start(sequence("Order", [t.step("Pack", 10), waitFor("Payment", "PAID")]), {}, { clock, ...quiet });
    await clock.advance(3);
    expect(handle.send({ type: "PAID" })).toBe(false);
    await clock.advance(10);
    expect(handle.waitingFor()).toEqual(["PAID"]);
  });

  it("refuses an early event whose payload does not fit the wait's schema, and keeps none", async () => {
    const clock = new TestClock();
    const t = new Timeline(clock);
    const wf = sequence("Order", [t.step("Pack", 10), waitFor("Payment", "PAID", { buffered: true, schema: z.object({ amount: z.number() }) })]);
    const handle = start(wf, {}, { clock, ...quiet });
    await clock.advance(1);
    expect(() => handle.send({ type: "PAID", amount: "twelve" })).toThrow(ValidationError);
    expect(handle.actor.getSnapshot().context.mailbox).toBeUndefined();
  });

  it("keeps an early signal in the persisted snapshot: a new engine's run takes it when it reaches the wait", async () => {
    const store = memoryStore();
    const gate = new Gate();
    const wf = (pack: (x: object, ctx: any) => unknown) =>
      workflow("Order", sequence("Order", [step("Pack", pack), waitFor("Payment", "PAID", { buffered: true }), step("Ship", (x: object) => ({ ...x, shipped: true }))]));
    const one = createEngine({ workflows: [wf(gate.fn)], store, ...quiet });
    await one.start("Order", { order: 9 }, { runId: "o-9" });
    await flush();
    await one.signal("o-9", { type: "PAID", amount: 30 });
    await flush();
    await one.close();
    const two = createEngine({ workflows: [wf((x) => x)], store, ...quiet });
    expect(await two.result("o-9")).toEqual({ order: 9, amount: 30, shipped: true });
    await two.close();
  });

  it("compiles to a keeping transition on the flow's state and a $waiting state that takes a kept event first; both are drawn", () => {
    const wf = workflow("Order", sequence("Order", [step("Pack", (x: object) => x), waitFor("Payment", "PAID", { buffered: true })]));
    const config = compile(wf).config as any;
    expect(config.states.Order.on.PAID.description).toBe("keep PAID");
    expect(config.states.Order.states.Payment.states.$waiting.always.target).toBe("$received");
    const text = toMermaid(wf);
    expect(text).toContain("kept PAID");
  });
});

describe("buffered waitFor definitions", () => {
  it("rejects a buffered option that is not a boolean", () => {
    expect(() => waitFor("W", "GO", { buffered: "yes" as never })).toThrow('Expected `buffered` of waitFor "W" to be true or false, got string "yes"');
  });
});
