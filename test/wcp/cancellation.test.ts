import { describe, expect, it } from "vitest";
import { cancelOn, compile, createEngine, map, memoryStore, sequence, start, step, toMermaid, workflow } from "../../src/index.js";
import { TestClock } from "../../src/testing/index.js";
import { Timeline } from "./timeline.js";

const quiet = { log: () => undefined };

describe("cancelOn", () => {
  it("WCP-19 cancel task: the event withdraws the running step (its AbortSignal fires), the next never starts, onCancel gets the input", async () => {
    const clock = new TestClock();
    const t = new Timeline(clock);
    const wf = workflow(
      "Order",
      sequence("Order", [
        cancelOn(sequence("Quote", [t.step("Ask", 10, (x: { id: number }) => ({ ...x, asked: true })), t.step("Price", 10), t.step("Confirm", 10)]), "WITHDRAW", {
          onCancel: step("Withdrawn", (x: { id: number }) => ({ ...x, withdrawn: true })),
        }),
        t.step("Archive", 5),
      ]),
    );
    const handle = start(wf, { id: 7 }, { clock, ...quiet });
    await clock.advance(15);
    expect(handle.waitingFor()).toEqual(["WITHDRAW"]);
    expect(handle.send({ type: "WITHDRAW" })).toBe(true);
    await clock.advance(50);
    expect(await handle.result).toEqual({ id: 7, withdrawn: true });
    expect(t.picture).toEqual(["Order.Quote.Ask 0-10", "Order.Quote.Price 10-aborted@15", "Order.Archive 15-20"]);
  });

  it("WCP-19 cancel task: without the event the flow's output passes on, and the event is refused before and after the flow", async () => {
    const clock = new TestClock();
    const t = new Timeline(clock);
    const wf = sequence("Job", [t.step("Before", 10), cancelOn(t.step("Work", 10, (x: number) => x * 2), "STOP"), t.step("After", 10)]);
    const handle = start(wf, 21, { clock, ...quiet });
    await clock.advance(5);
    expect(handle.send({ type: "STOP" })).toBe(false);
    await clock.advance(10);
    expect(handle.waitingFor()).toEqual(["STOP"]);
    await clock.advance(10);
    expect(handle.send({ type: "STOP" })).toBe(false);
    await clock.advance(10);
    expect(await handle.result).toBe(42);
    expect(t.picture).toEqual(["Job.Before 0-10", "Job.Work 10-20", "Job.After 20-30"]);
  });

  it("WCP-19 cancel task: without onCancel the withdrawn flow's input passes on, not what its finished steps made", async () => {
    const clock = new TestClock();
    const t = new Timeline(clock);
    const wf = cancelOn(sequence("Two", [t.step("One", 10, (x: number) => x + 1), t.step("Other", 10, (x: number) => x + 1)]), "STOP");
    const handle = start(wf, 1, { clock, ...quiet });
    await clock.advance(12);
    handle.send({ type: "STOP" });
    expect(await handle.result).toBe(1);
    expect(t.of("Other")[0]).toEqual({ path: "Two.Other", start: 10, aborted: 12 });
  });

  it("WCP-26 cancel multiple-instance activity: running items are withdrawn, queued ones never start, finished ones are kept", async () => {
    const clock = new TestClock();
    const t = new Timeline(clock);
    const wf = sequence("Batch", [
      cancelOn(map("Fetch", t.step("Get", (ms: number) => ms), { items: (x: { ms: number[] }) => x.ms, maxConcurrency: 2 }), "CANCEL", {
        onCancel: step("Cancelled", (x: { ms: number[] }) => `cancelled ${x.ms.length}`),
      }),
    ]);
    const handle = start(wf, { ms: [10, 20, 30, 40] }, { clock, ...quiet });
    await clock.advance(15);
    expect(handle.send({ type: "CANCEL" })).toBe(true);
    await clock.advance(100);
    expect(await handle.result).toBe("cancelled 4");
    expect(t.picture).toEqual(["Batch.Fetch[0].Get 0-10", "Batch.Fetch[1].Get 0-aborted@15", "Batch.Fetch[2].Get 10-aborted@15"]);
    expect(handle.actor.getSnapshot().children).toEqual({});
  });

  it("compiles to $run taking the event and $cancelled (or the onCancel flow), and draws the cancel arrow", () => {
    const wf = workflow("W", cancelOn(step("Work", (x: number) => x), "STOP", { onCancel: step("Undo", (x: number) => -x) }));
    const state = (compile(wf).config as any).states.Work;
    expect(Object.keys(state.states)).toEqual(["$run", "$ok", "Undo", "$done"]);
    expect(state.states.$run.on.STOP.target).toBe("Undo");
    expect(toMermaid(wf).split("\n").map((l) => l.trim())).toEqual(expect.arrayContaining(["s_Work__run --> s_Work_Undo : STOP"]));
  });

  it("withdraws a step restored in a new engine when the event comes after the restart", async () => {
    const store = memoryStore();
    const clock = new TestClock();
    const aborted: string[] = [];
    const slow = step("Slow", (x: number, ctx) => new Promise<number>((resolve) => {
      ctx.signal.addEventListener("abort", () => aborted.push(ctx.idempotencyKey));
      clock.setTimeout(() => resolve(x * 2), 1000);
    }));
    const wf = workflow("Cancellable", cancelOn(slow, "STOP", { onCancel: step("Stopped", (x: number) => -x) }));
    const one = createEngine({ workflows: [wf], store, clock, ...quiet });
    await one.start("Cancellable", 5, { runId: "c-1" });
    await clock.advance(10);
    await one.close();
    expect(aborted).toEqual(["c-1:Slow:1"]);
    const two = createEngine({ workflows: [wf], store, clock, ...quiet });
    await clock.advance(10);
    await two.signal("c-1", { type: "STOP" });
    expect(await two.result("c-1")).toBe(-5);
    expect(aborted).toEqual(["c-1:Slow:1", "c-1:Slow:1"]);
    await two.close();
  });
});

describe("cancelOn definitions", () => {
  it("rejects an event type that is reserved or not a string, naming the flow", () => {
    const work = step("Work", (x: number) => x);
    expect(() => cancelOn(work, "xstate.done")).toThrow('Expected the event of cancelOn("Work") to be an event type like "APPROVE"');
    expect(() => cancelOn(work, 42 as never)).toThrow("got number 42");
    expect(() => cancelOn(work, "STOP", { onCancel: "nope" as never })).toThrow('Expected `onCancel` of cancelOn("Work") to be a flow');
  });
});
