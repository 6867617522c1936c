// Limits shared by every engine on one store: three engines on one memoryStore
// stand for three workers on one PostgreSQL (the Postgres store passes the
// same tests in test/store/postgres-*.test.ts when it has shared limits).
import { describe, expect, it } from "vitest";
import { createEngine, memoryStore, step, TransientError, workflow, type Engine } from "../../src/index.js";
import { StoreLimits } from "../../src/engine/shared-limits.js";
import type { SharedLimitStore } from "../../src/store/store.js";
import { TestClock } from "../../src/testing/index.js";
import { flush, Gate } from "../support/gate.js";

const quiet = { log: () => undefined };

async function valuesOf(engines: Engine[], runIds: string[]): Promise<unknown[]> {
  return Promise.all(runIds.map(async (id, i) => (await engines[i % engines.length]!.get(id))!.value));
}

describe("limits shared by every engine on a store", () => {
  it("holds a concurrency across engines: at most N calls at once in all of them, the next starting as soon as one ends", async () => {
    const clock = new TestClock();
    const store = memoryStore();
    const gate = new Gate();
    const wf = workflow("Query", step("query", gate.fn, { limit: { name: "db", concurrency: 2 } }));
    const engines = [0, 1, 2].map(() => createEngine({ workflows: [wf], store, clock, ...quiet }));
    const runIds = ["a", "b", "c", "d", "e", "f"];
    for (const [i, id] of runIds.entries()) await engines[i % 3]!.start("Query", id, { runId: id });
    await flush(20);
    expect(gate.calls.map((c) => c.input)).toEqual(["a", "b"]);
    expect((await valuesOf(engines, runIds)).filter((v) => JSON.stringify(v) === '{"query":"$permit"}')).toHaveLength(4);
    gate.calls[0]!.resolve("A");
    await flush(20);
    expect(gate.calls).toHaveLength(3); // woken by the give-back, not by a poll: no time has passed
    for (let i = 1; i < 6; i++) {
      expect(gate.calls.length - i).toBeLessThanOrEqual(2); // calls running now
      gate.calls[i]!.resolve(String(i));
      await flush(20);
    }
    expect(gate.calls).toHaveLength(6);
    // Across engines the order is not first come, first served (each engine queues its own).
    expect((await Promise.all(runIds.map((id, i) => engines[i % 3]!.result(id)))).sort()).toEqual(["1", "2", "3", "4", "5", "A"]);
    expect(clock.now()).toBe(0);
    await Promise.all(engines.map((e) => e.close()));
  });

  it("holds a rate across engines: one token bucket for all of them, on the store", async () => {
    const clock = new TestClock();
    const store = memoryStore();
    const at: number[] = [];
    const wf = workflow("Call", step("call", () => void at.push(clock.now()), { limit: { name: "api", rate: "2/s" } }));
    const engines = [0, 1, 2].map(() => createEngine({ workflows: [wf], store, clock, ...quiet }));
    const runIds = ["a", "b", "c", "d", "e", "f"];
    for (const [i, id] of runIds.entries()) await engines[i % 3]!.start("Call", null, { runId: id });
    await clock.advance(5_000);
    expect(at).toEqual([0, 0, 500, 1000, 1500, 2000]);
    await Promise.all(engines.map((e) => e.close()));
  });

  it("takes a dead worker's permit back when its lease runs out", async () => {
    const clock = new TestClock();
    const store = memoryStore();
    const dead = new StoreLimits(store, { clock, leaseMs: 60_000 });
    await dead.permit({ name: "db", kind: "concurrency", limit: 1 }, clock, new AbortController().signal);
    dead.close(); // the worker dies holding it: nothing is given back, nothing renews it
    const at: number[] = [];
    const wf = workflow("Query", step("query", () => void at.push(clock.now()), { limit: { name: "db", concurrency: 1 } }));
    const engine = createEngine({ workflows: [wf], store, clock, ...quiet });
    await engine.start("Query", null, { runId: "q" });
    await clock.advance(59_000);
    expect(at).toEqual([]);
    await clock.advance(2_000);
    expect(at).toEqual([60_000]);
    await engine.close();
  });

  it("renews a held permit's lease while the step runs, so a long step keeps it", async () => {
    const clock = new TestClock();
    const store = memoryStore();
    const gate = new Gate();
    const wf = workflow("Long", step("long", gate.fn, { limit: { name: "db", concurrency: 1 } }));
    const engines = [0, 1].map(() => createEngine({ workflows: [wf], store, clock, ...quiet }));
    await engines[0]!.start("Long", 1, { runId: "first" });
    await engines[1]!.start("Long", 2, { runId: "second" });
    await clock.advance(10 * 60_000);
    expect(gate.calls.map((c) => c.input)).toEqual([1]);
    gate.calls[0]!.resolve("done");
    await flush(20);
    expect(gate.calls.map((c) => c.input)).toEqual([1, 2]);
    gate.calls[1]!.resolve("done");
    await engines[1]!.result("second");
    await Promise.all(engines.map((e) => e.close()));
  });

  it("fails the step with a TransientError when the store cannot be asked, so a retry can try again", async () => {
    const clock = new TestClock();
    const broken: SharedLimitStore = {
      takePermit: () => Promise.reject(new Error("connection refused")),
      givePermit: async () => undefined,
      renewPermit: async () => false,
      onPermitGiven: () => () => undefined,
    };
    const limits = new StoreLimits(broken, { clock });
    const error = await limits.permit({ name: "db", kind: "concurrency", limit: 1 }, clock, new AbortController().signal).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ code: "permit_unavailable", message: 'No permit of limit "db": the store could not be asked (connection refused)' });
    limits.close();
  });
});
