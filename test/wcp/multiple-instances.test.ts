import { describe, expect, it } from "vitest";
import { compile, createEngine, map, memoryStore, sequence, start, step, toMermaid, workflow } from "../../src/index.js";
import { TestClock } from "../../src/testing/index.js";
import { Gate, flush } from "../support/gate.js";
import { Timeline } from "./timeline.js";

const quiet = { log: () => undefined };
const ms = (xs: number[]) => xs;

describe("map with a partial join", () => {
  it("WCP-34 static partial join for MI: after 2 of 4 finish, then runs while the rest finish unheeded; the map ends when all have", async () => {
    const clock = new TestClock();
    const t = new Timeline(clock);
    const wf = sequence("Quotes", [
      map("Ask", t.step("Vendor", (x: number) => x), {
        items: ms,
        quorum: 2,
        cancel: false,
        then: t.step("Pick", 5, (quotes: number[]) => `best of ${quotes.join(",")}`),
      }),
      t.step("Book", 1),
    ]);
    const handle = start(wf, [10, 20, 30, 40], { clock, ...quiet });
    await clock.advance(100);
    expect(await handle.result).toBe("best of 10,20");
    expect(t.picture).toEqual([
      "Quotes.Ask[0].Vendor 0-10",
      "Quotes.Ask[1].Vendor 0-20",
      "Quotes.Ask[2].Vendor 0-30",
      "Quotes.Ask[3].Vendor 0-40",
      "Quotes.Ask.Pick 20-25",
      "Quotes.Book 40-41",
    ]);
  });

  it("WCP-35 cancelling partial join for MI: after 2 finish, the running items are withdrawn and the queued one never starts", async () => {
    const clock = new TestClock();
    const t = new Timeline(clock);
    const wf = sequence("Quotes", [map("Ask", t.step("Vendor", (x: number) => x), { items: ms, quorum: 2, maxConcurrency: 3 }), t.step("Book", 1)]);
    const handle = start(wf, [10, 20, 30, 40], { clock, ...quiet });
    await clock.advance(100);
    expect(await handle.result).toEqual([10, 20]);
    expect(t.picture).toEqual([
      "Quotes.Ask[0].Vendor 0-10",
      "Quotes.Ask[1].Vendor 0-20",
      "Quotes.Ask[2].Vendor 0-aborted@20",
      "Quotes.Ask[3].Vendor 10-aborted@20",
      "Quotes.Book 20-21",
    ]);
    expect(handle.actor.getSnapshot().context.windows).toEqual({});
  });

  it("WCP-35: failures are tolerated while the quorum can be reached, and fail the map with ParallelExecutionFailed once it cannot", async () => {
    const clock = new TestClock();
    const flaky = step("Vendor", (x: number) => (x < 0 ? Promise.reject(new Error(`no quote ${x}`)) : x));
    const ok = start(map("Ask", flaky, { items: ms, quorum: 2 }), [-1, 5, 7], { clock, ...quiet });
    expect(await ok.result).toEqual([5, 7]);
    const failing = start(map("Ask", flaky, { items: ms, quorum: 2 }), [-1, 5, -3], { clock, ...quiet });
    const error: any = await failing.result.catch((e) => e);
    expect(error.cause.code).toBe("parallel_execution_failed");
    expect(error.cause.details.quorum).toBe(2);
    expect(error.cause.errors.map((e: any) => e.branch)).toEqual(["[0]", "[2]"]);
  });

  it("WCP-36 dynamic partial join for MI: items added while it runs, until checked at each finish; the rest withdrawn and intake stopped", async () => {
    const clock = new TestClock();
    const t = new Timeline(clock);
    const wf = map("Collect", t.step("Measure", (x: number) => (x === 6 ? 30 : 10)), {
      items: (x: { first: number }) => [x.first],
      addOn: "SAMPLE",
      until: (values: number[]) => values.reduce((a, b) => a + b, 0) >= 10,
    });
    const handle = start(wf, { first: 3 }, { clock, ...quiet });
    await clock.advance(2);
    expect(handle.waitingFor()).toEqual(["SAMPLE"]);
    handle.send({ type: "SAMPLE", item: 4 });
    await clock.advance(3);
    handle.send({ type: "SAMPLE", items: [5, 6] });
    await clock.advance(20);
    expect(await handle.result).toEqual([3, 4, 5]);
    expect(t.picture).toEqual(["Collect[0].Measure 0-10", "Collect[1].Measure 2-12", "Collect[2].Measure 5-15", "Collect[3].Measure 5-aborted@15"]);
    expect(handle.send({ type: "SAMPLE", item: 9 })).toBe(false);
  });

  it("WCP-27 complete MI activity: the completeOn event joins with what finished; running items are withdrawn", async () => {
    const clock = new TestClock();
    const t = new Timeline(clock);
    const wf = sequence("Survey", [map("Ask", t.step("Answer", (x: number) => x), { items: ms, completeOn: "ENOUGH" }), t.step("Report", 1)]);
    const handle = start(wf, [10, 20, 30], { clock, ...quiet });
    await clock.advance(15);
    expect(handle.send({ type: "ENOUGH" })).toBe(true);
    await clock.advance(10);
    expect(await handle.result).toEqual([10]);
    expect(t.picture).toEqual(["Survey.Ask[0].Answer 0-10", "Survey.Ask[1].Answer 0-aborted@15", "Survey.Ask[2].Answer 0-aborted@15", "Survey.Report 15-16"]);
  });
});

describe("map with addOn and closeOn", () => {
  it("WCP-15 MI without a priori run-time knowledge: items added while it runs, joined after the last once the intake is closed", async () => {
    const clock = new TestClock();
    const t = new Timeline(clock);
    const wf = sequence("Intake", [map("Process", t.step("Handle", 10, (x: string) => x.toUpperCase()), { items: () => [] as string[], addOn: "ITEM", closeOn: "NO_MORE", maxConcurrency: 2 }), t.step("Done", 1)]);
    const handle = start(wf, null, { clock, ...quiet });
    await clock.advance(1);
    expect(handle.waitingFor()).toEqual(["ITEM", "NO_MORE"]);
    handle.send({ type: "ITEM", item: "a" });
    await clock.advance(4);
    handle.send({ type: "ITEM", items: ["b", "c"] });
    await clock.advance(10);
    handle.send({ type: "NO_MORE" });
    handle.send({ type: "ITEM", item: "late" });
    await clock.advance(30);
    expect(await handle.result).toEqual(["A", "B", "C"]);
    expect(t.picture).toEqual(["Intake.Process[0].Handle 1-11", "Intake.Process[1].Handle 5-15", "Intake.Process[2].Handle 11-21", "Intake.Done 21-22"]);
  });

  it("refuses an addOn event without item or items, and keeps running", async () => {
    const handle = start(map("M", step("x", (x: number) => x), { items: () => [] as number[], addOn: "ITEM", closeOn: "CLOSE" }), null, quiet);
    await flush();
    expect(() => handle.send({ type: "ITEM", value: 1 })).toThrow("Expected the event to carry `item` or an array `items`");
    handle.send({ type: "ITEM", item: 1 });
    handle.send({ type: "CLOSE" });
    expect(await handle.result).toEqual([1]);
  });

  it("keeps added items across an engine restart: a new engine re-runs the item in flight and takes more", async () => {
    const store = memoryStore();
    const gate = new Gate();
    const wf = (work: (x: number, ctx: any) => unknown) =>
      workflow("Intake", map("Process", step("Handle", work), { items: () => [] as number[], addOn: "ITEM", closeOn: "NO_MORE" }));
    const one = createEngine({ workflows: [wf(gate.fn)], store, ...quiet });
    await one.start("Intake", null, { runId: "in-1" });
    await one.signal("in-1", { type: "ITEM", item: 1 });
    await flush();
    expect(gate.calls.map((c) => c.ctx.path)).toEqual(["Process[0].Handle"]);
    await one.close();
    const two = createEngine({ workflows: [wf((x: number) => x * 10)], store, ...quiet });
    await flush();
    await two.signal("in-1", { type: "ITEM", items: [2, 3] });
    await two.signal("in-1", { type: "NO_MORE" });
    expect(await two.result("in-1")).toEqual([10, 20, 30]);
    await two.close();
  });
});

describe("map partial-join definitions and diagrams", () => {
  it("rejects addOn with nothing that ends the intake, closeOn without addOn, and a quorum below 1", () => {
    const body = step("x", (x: number) => x);
    expect(() => map("M", body, { items: ms, addOn: "ITEM" })).toThrow('map "M" has `addOn` but nothing that ends its intake, so it could never join; add closeOn: "NO_MORE_ITEMS"');
    expect(() => map("M", body, { items: ms, closeOn: "CLOSE" })).toThrow('map "M" has `closeOn` but no `addOn`');
    expect(() => map("M", body, { items: ms, quorum: 0 })).toThrow('Expected quorum of map "M" to be an integer >= 1, got number 0');
    expect(() => map("M", body, { items: ms, addOn: "X", closeOn: "X" })).toThrow("to be different events, got X, X");
  });

  it("compiles cancel: false to a parallel $running with $items and $next, and draws the join and intake", () => {
    const wf = workflow("W", map("M", step("x", (x: number) => x), { items: ms, addOn: "ITEM", closeOn: "CLOSE", quorum: 2, cancel: false, then: step("Then", (x: number[]) => x) }));
    const m = (compile(wf).config as any).states.M;
    expect(m.states.$running.type).toBe("parallel");
    expect(Object.keys(m.states.$running.states)).toEqual(["$items", "$next"]);
    expect(Object.keys(m.states.$running.states.$next.states)).toEqual(["$wait", "$join", "Then", "$ok"]);
    const text = toMermaid(wf);
    expect(text).toContain("2 finished");
    expect(text).toContain("every item settled");
  });
});
