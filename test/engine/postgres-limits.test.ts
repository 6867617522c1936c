// Shared limits and schedules with several workers on the real PostgreSQL:
// three engines, each with its own pool, on one fresh schema.
import { afterAll, describe, expect, it } from "vitest";
import { createEngine, postgresStore, step, workflow, type Engine, type Flow } from "../../src/index.js";
import { DATABASE_URL, dropSchemas, freshSchema } from "../support/postgres.js";
import { Gate } from "../support/gate.js";

const schemas: string[] = [];
afterAll(() => dropSchemas(...schemas));
const quiet = { log: () => undefined };

function workers(flows: Flow[], n = 3): Engine[] {
  const schema = freshSchema();
  schemas.push(schema);
  return Array.from({ length: n }, (_, i) =>
    createEngine({ workflows: flows, store: postgresStore(DATABASE_URL, { schema, maxConnections: 4 }), workerId: `w${i}`, pollMs: 50, ...quiet }),
  );
}

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("limits shared by workers on PostgreSQL", { timeout: 30_000 }, () => {
  it("holds a concurrency across three workers: never more than two calls at once, every run ends", async () => {
    const gate = new Gate();
    const wf = workflow("Query", step("query", gate.fn, { limit: { name: "warehouse-db", concurrency: 2 } }));
    const engines = workers([wf]);
    await Promise.all(engines.map((e) => e.ready));
    const ids = Array.from({ length: 6 }, (_, i) => `q${i}`);
    await Promise.all(ids.map((id, i) => engines[i % 3]!.start("Query", id, { runId: id })));
    let finished = 0;
    for (let round = 0; round < 6; round++) {
      await until(() => gate.calls.length > round, `call ${round + 1}`);
      await new Promise((resolve) => setTimeout(resolve, 30)); // room for a third call to sneak in, if the limit leaked
      expect(gate.calls.length - finished).toBeLessThanOrEqual(2);
      gate.calls[round]!.resolve(`done ${gate.calls[round]!.input}`);
      finished++;
    }
    const outputs = await Promise.all(ids.map((id) => engines[0]!.result(id)));
    expect(outputs.sort()).toEqual(ids.map((id) => `done ${id}`));
    await Promise.all(engines.map((e) => e.close()));
  });

  it("holds a rate across three workers: one token bucket in the database for all of them", async () => {
    const at: number[] = [];
    const wf = workflow("Call", step("call", () => void at.push(Date.now()), { limit: { name: "payments-api", rate: "10/s" } }));
    const engines = workers([wf]);
    await Promise.all(engines.map((e) => e.ready));
    const t0 = Date.now();
    const ids = Array.from({ length: 25 }, (_, i) => `c${i}`);
    await Promise.all(ids.map((id, i) => engines[i % 3]!.start("Call", null, { runId: id })));
    await Promise.all(ids.map((id) => engines[0]!.result(id)));
    // A bucket of 10 that refills 10 per second: by any time t, at most 10 + 10·t calls.
    for (const [i, t] of at.sort((a, b) => a - b).entries()) expect(i + 1).toBeLessThanOrEqual(10 + Math.floor(((t - t0) * 10) / 1000) + 1);
    expect(at.at(-1)! - t0).toBeGreaterThanOrEqual(1400);
    await Promise.all(engines.map((e) => e.close()));
  });

  it("tells every store on the schema when a permit is given back (LISTEN/NOTIFY)", async () => {
    const schema = freshSchema();
    schemas.push(schema);
    const [a, b] = [postgresStore(DATABASE_URL, { schema }), postgresStore(DATABASE_URL, { schema })];
    const heard: string[] = [];
    b.onPermitGiven((name) => heard.push(name));
    await new Promise((resolve) => setTimeout(resolve, 200)); // b's LISTEN connection is up
    const now = Date.now();
    expect(await a.takePermit({ name: "db", kind: "concurrency", limit: 1, perMs: 0, holder: "h1", now, leaseMs: 60_000 })).toEqual({ granted: true, retryAt: null });
    expect(await b.takePermit({ name: "db", kind: "concurrency", limit: 1, perMs: 0, holder: "h2", now, leaseMs: 60_000 })).toEqual({ granted: false, retryAt: now + 60_000 });
    await a.givePermit("db", "h1");
    await until(() => heard.length > 0, "the notice");
    expect(heard).toEqual(["db"]);
    expect((await b.takePermit({ name: "db", kind: "concurrency", limit: 1, perMs: 0, holder: "h2", now, leaseMs: 60_000 })).granted).toBe(true);
    await Promise.all([a.close(), b.close()]);
  });
});

describe("schedules with workers on PostgreSQL", { timeout: 30_000 }, () => {
  it("starts each slot of a schedule once with three workers racing for it", async () => {
    const runs: string[] = [];
    const wf = workflow("Tick", step("tick", (_: unknown, ctx) => void runs.push(ctx.runId)));
    const engines = workers([wf]);
    await Promise.all(engines.map((e) => e.schedule("every-second", "Tick", { cron: "* * * * * *", catchup: "none" })));
    await new Promise((resolve) => setTimeout(resolve, 3_300));
    await Promise.all(engines.map((e) => e.unschedule("every-second")));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(new Set(runs).size).toBe(runs.length);
    const slots = runs.map((id) => Date.parse(id.slice("every-second@".length))).sort((a, b) => a - b);
    for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBe(1000);
    const listed = await engines[0]!.list({ workflow: "Tick", limit: 100 });
    expect(listed.map((r) => r.status)).toEqual(runs.map(() => "done"));
    await Promise.all(engines.map((e) => e.close()));
  });
});
