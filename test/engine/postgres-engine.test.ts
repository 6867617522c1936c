// The engine on the real PostgreSQL, workers in this process: the same
// leases, fencing and notices as on the memory store, through LISTEN/NOTIFY
// and row locks. A fresh schema per file, dropped afterwards.
import { afterAll, describe, expect, it } from "vitest";
import { createEngine, postgresStore, sequence, sleep, step, waitFor, workflow, type Engine } from "../../src/index.js";
import { DATABASE_URL, dropSchemas, freshSchema } from "../support/postgres.js";

const schema = freshSchema();
afterAll(() => dropSchemas(schema));
const quiet = { log: () => undefined };

const approval = workflow("Approval", sequence("Approval", [step("ask", (x: number) => x), waitFor("Wait", "APPROVE"), step("done", (e: { by: string }) => e.by)]));
const napper = workflow("Napper", sequence("Napper", [step("a", (x: number) => x + 1), sleep("Nap", 30), step("b", (x: number) => x * 2)]));

function worker(workerId: string, maxRuns?: number): Engine {
  return createEngine({ workflows: [approval, napper], store: postgresStore(DATABASE_URL, { schema, maxConnections: 4 }), workerId, pollMs: 50, ...(maxRuns ? { maxRuns } : {}), ...quiet });
}

describe("workers on PostgreSQL", () => {
  it("runs workflows with timers to the end, sharing the runs between workers", async () => {
    const [a, b] = [worker("pg-a", 3), worker("pg-b")];
    await Promise.all([a.ready, b.ready]);
    const ids = await Promise.all(Array.from({ length: 10 }, (_, i) => a.start("Napper", i, { runId: `nap-${i}` }).then((r) => r.runId)));
    const outputs = await Promise.all(ids.map((id) => a.result(id)));
    expect(outputs).toEqual(Array.from({ length: 10 }, (_, i) => (i + 1) * 2));
    await Promise.all([a.close(), b.close()]);
  });

  it("wakes the worker that holds a waiting run within milliseconds of a signal sent through another", async () => {
    const [a, b] = [worker("pg-c"), worker("pg-d")];
    await Promise.all([a.ready, b.ready]);
    await a.start("Approval", 1, { runId: "approve-1" });
    for (let i = 0; i < 200 && (await a.get("approve-1"))?.status !== "waiting"; i++) await new Promise((r) => setTimeout(r, 5));
    const sent = Date.now();
    await b.signal("approve-1", { type: "APPROVE", by: "ann" });
    expect(await b.result("approve-1")).toBe("ann");
    expect(Date.now() - sent).toBeLessThan(1000);
    await expect(b.signal("approve-1", { type: "APPROVE", by: "bob" })).rejects.toThrow(expect.objectContaining({ code: "run_finished" }));
    await Promise.all([a.close(), b.close()]);
  });
});
