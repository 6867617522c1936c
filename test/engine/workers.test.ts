// Several engines on one store as workers (exclusive: false): leases decide
// which worker runs a run, notices carry signals and new runs between them,
// and a worker whose lease moved cannot write. The store here is the memory
// store (its notices reach every engine on it); the same engine code runs on
// PostgreSQL in test/engine/postgres-workers.test.ts.
import { describe, expect, it } from "vitest";
import { createEngine, memoryStore, sequence, step, waitFor, workflow, type Engine, type EngineOptions, type LogEntry } from "../../src/index.js";
import { TestClock } from "../../src/testing/index.js";
import { Gate } from "../support/gate.js";

const quiet = { log: () => undefined };

/** Resolves once `check` holds, looking every few ms (workers talk through real timers here). */
async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("timed out waiting for the condition");
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

function worker(options: Omit<EngineOptions, "exclusive" | "log">): Engine {
  return createEngine({ exclusive: false, pollMs: 20, leaseMs: 1000, ...quiet, ...options });
}

describe("workers sharing a store", () => {
  it("hands the runs a full worker cannot take to the other worker, and runs each step once", async () => {
    const store = memoryStore();
    const calls = new Map<string, number>();
    const gate = new Gate();
    const wf = workflow(
      "Two",
      sequence("Two", [
        step("first", (x: number, ctx) => {
          calls.set(ctx.runId, (calls.get(ctx.runId) ?? 0) + 1);
          return x;
        }),
        step("held", gate.fn),
      ]),
    );
    const a = worker({ workflows: [wf], store, maxRuns: 2, workerId: "a" });
    const b = worker({ workflows: [wf], store, maxRuns: 10, workerId: "b" });
    await Promise.all([a.ready, b.ready]);
    for (let i = 0; i < 6; i++) await a.start("Two", i, { runId: `r${i}` });
    await eventually(() => gate.calls.length === 6);
    const holders = gate.calls.map((c) => c.ctx.runId);
    expect(new Set(holders).size).toBe(6);
    for (const call of gate.calls) call.resolve("ok");
    for (let i = 0; i < 6; i++) expect(await b.result(`r${i}`)).toBe("ok");
    expect([...calls.values()]).toEqual([1, 1, 1, 1, 1, 1]);
    await Promise.all([a.close(), b.close()]);
  });

  it("delivers a signal sent through one worker to the run another worker holds, and settles the sender's result", async () => {
    const store = memoryStore();
    const wf = workflow("Approve", sequence("Approve", [waitFor("Wait", "APPROVE"), step("done", (e: unknown) => e)]));
    const a = worker({ workflows: [wf], store, workerId: "a", keepIdleMs: Number.MAX_SAFE_INTEGER });
    const b = worker({ workflows: [wf], store, workerId: "b" });
    await Promise.all([a.ready, b.ready]);
    await a.start("Approve", null, { runId: "ask" });
    await eventually(async () => (await a.get("ask"))?.status === "waiting");
    await b.signal("ask", { type: "APPROVE", by: "ann" });
    expect(await b.result("ask")).toEqual({ by: "ann" });
    expect(await a.get("ask")).toMatchObject({ status: "done" });
    await Promise.all([a.close(), b.close()]);
  });

  it("refuses the writes of a paused worker after its lease moved: the new holder's outcome stands", async () => {
    const store = memoryStore();
    const gate = new Gate();
    const wf = workflow("Slow", step("slow", gate.fn));
    // The paused worker's clock stands still: it never renews its lease, as a SIGSTOPped process would not.
    const logs: LogEntry[] = [];
    const paused = createEngine({
      exclusive: false,
      workflows: [wf],
      store,
      workerId: "paused",
      leaseMs: 50,
      pollMs: 1_000_000,
      clock: new TestClock(Date.now()),
      log: (entry) => logs.push(entry),
    });
    await paused.ready;
    await paused.start("Slow", null, { runId: "s" });
    await eventually(() => gate.calls.length === 1);
    const taker = worker({ workflows: [wf], store, workerId: "taker" });
    await eventually(() => gate.calls.length === 2);
    gate.calls[1]!.resolve("from the new holder");
    expect(await taker.result("s")).toBe("from the new holder");
    gate.calls[0]!.resolve("from the paused worker");
    await eventually(() => logs.some((l) => l.runId === "s" && l.message.startsWith("This worker lost the run to another worker")));
    expect((await taker.get("s"))!.output).toBe("from the new holder");
    const journal = (await store.journal("s")).map((e) => e.ops).join("\n");
    expect(journal).not.toContain("from the paused worker");
    await Promise.all([paused.close(), taker.close()]);
  });
});
