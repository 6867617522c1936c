import { describe, expect, it } from "vitest";
import { cancelOn, compile, createEngine, critical, memoryStore, parallel, sequence, start, step, toMermaid, workflow } from "../../src/index.js";
import { TestClock } from "../../src/testing/index.js";
import { Gate, flush } from "../support/gate.js";
import { Timeline, type Span } from "./timeline.js";

const quiet = { log: () => undefined };

/** True when no two of the spans overlap in time (an aborted span ends when it was withdrawn). */
function disjoint(spans: Span[]): boolean {
  const ends = spans.map((s) => ({ start: s.start, end: s.end ?? s.aborted ?? Number.POSITIVE_INFINITY })).sort((a, b) => a.start - b.start);
  return ends.every((s, i) => i === 0 || ends[i - 1]!.end <= s.start);
}

describe("critical", () => {
  it("WCP-17 interleaved parallel routing: each task once, never two at a time, the partial order kept, a task of one branch between two of another", async () => {
    const clock = new TestClock();
    const t = new Timeline(clock);
    const wf = parallel("Checkup", {
      blood: sequence("blood", [critical("patient", t.step("Draw", 10)), critical("patient", t.step("Label", 10))]),
      xray: critical("patient", t.step("Scan", 10)),
      ecg: critical("patient", t.step("Trace", 10)),
    });
    const handle = start(wf, {}, { clock, ...quiet });
    await clock.advance(100);
    await handle.result;
    expect(t.picture).toEqual([
      "Checkup.blood.Draw 0-10",
      "Checkup.xray 10-20",
      "Checkup.ecg 20-30",
      "Checkup.blood.Label 30-40",
    ]);
    expect(disjoint(t.spans)).toBe(true);
  });

  it("WCP-39 critical section: two multi-step sections never interleave while the work around them overlaps", async () => {
    const clock = new TestClock();
    const t = new Timeline(clock);
    const wf = parallel("Books", {
      pay: sequence("pay", [t.step("Prepare", 5), critical("ledger", sequence("Transfer", [t.step("Debit", 10), t.step("Credit", 10)])), t.step("Notify", 10)]),
      audit: sequence("audit", [t.step("Collect", 8), critical("ledger", sequence("Check", [t.step("Read", 10), t.step("Stamp", 10)]))]),
    });
    const handle = start(wf, {}, { clock, ...quiet });
    await clock.advance(100);
    await handle.result;
    expect(t.picture).toEqual([
      "Books.pay.Prepare 0-5",
      "Books.audit.Collect 0-8",
      "Books.pay.Transfer.Debit 5-15",
      "Books.pay.Transfer.Credit 15-25",
      "Books.pay.Notify 25-35",
      "Books.audit.Check.Read 25-35",
      "Books.audit.Check.Stamp 35-45",
    ]);
    expect(disjoint([...t.of("Debit"), ...t.of("Credit"), ...t.of("Read"), ...t.of("Stamp")])).toBe(true);
    expect(handle.actor.getSnapshot().context.locks).toEqual({ ledger: { owner: null, queue: [] } });
  });

  it("releases the lock when its holder fails or is withdrawn, and drops a withdrawn waiter from the queue", async () => {
    const clock = new TestClock();
    const t = new Timeline(clock);
    const wf = parallel("Desk", {
      failing: critical("desk", step("Crash", () => Promise.reject(new Error("boom")))),
      withdrawn: cancelOn(critical("desk", t.step("Long", 50)), "STOP"),
      waiting: cancelOn(critical("desk", t.step("Never", 10)), "SKIP"),
      last: critical("desk", t.step("Last", 10)),
    });
    const handle = start(wf, {}, { clock, ...quiet });
    await clock.advance(5);
    expect(t.picture).toEqual(["Desk.withdrawn 0-running"]);
    handle.send({ type: "SKIP" });
    handle.send({ type: "STOP" });
    await clock.advance(100);
    const error: any = await handle.result.catch((e) => e);
    expect(error.cause.code).toBe("parallel_execution_failed");
    expect(error.cause.errors.map((e: any) => [e.branch, e.error.message])).toEqual([["failing", "boom"]]);
    expect(t.picture).toEqual(["Desk.withdrawn 0-aborted@5", "Desk.last 5-15"]);
  });

  it("keeps owner and queue in the snapshot: a new engine lets the waiter in after the restored holder", async () => {
    const store = memoryStore();
    const gate = new Gate();
    const order: string[] = [];
    const wf = (hold: (x: unknown, ctx: any) => unknown) =>
      workflow(
        "Ledger",
        parallel("Ledger", {
          a: critical("ledger", step("Hold", (x: unknown, ctx) => (order.push(`hold ${ctx.attempt}`), hold(x, ctx)))),
          b: critical("ledger", step("Next", () => (order.push("next"), "b"))),
        }),
      );
    const one = createEngine({ workflows: [wf(gate.fn)], store, ...quiet });
    await one.start("Ledger", null, { runId: "l-1" });
    await flush();
    await one.close();
    expect(order).toEqual(["hold 1"]);
    const two = createEngine({ workflows: [wf(() => "a")], store, ...quiet });
    expect(await two.result("l-1")).toEqual({ a: "a", b: "b" });
    expect(order).toEqual(["hold 1", "hold 1", "next"]);
    await two.close();
  });

  it("compiles to $acquire (guarded on the lock) then $run, and draws the guard", () => {
    const wf = workflow("W", critical("desk", step("Task", (x: number) => x)));
    const state = (compile(wf).config as any).states.Task;
    expect(Object.keys(state.states)).toEqual(["$acquire", "$run", "$done"]);
    expect(toMermaid(wf)).toContain("s_Task__acquire --> s_Task__run : lock #34;desk#34; is free and it is our turn");
  });

  it("rejects a lock name that is not a non-empty string", () => {
    expect(() => critical("", step("T", (x: number) => x))).toThrow('Expected the lock of critical() to be a non-empty string such as "ledger", got string ""');
  });
});
