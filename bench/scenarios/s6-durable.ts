// S6 durable: what durability costs. Per-step cost of a sequential workflow on
// SQLite (WAL; synchronous NORMAL and FULL) against one raw single-row insert
// per step in the same run, one run at a time and 100 runs at once (where group
// commit shares a disk sync); persisted bytes per step for 10, 100 and 1,000
// steps; heap per idle waiting run; time to resume 1,000 unfinished runs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { createEngine, memoryStore, sequence, sqliteStore, step, waitFor, workflow, type Flow } from "stepchart";
import { measure, microsSince, type Stats } from "../measure.js";

const STEPS = 10;
const quiet = { log: () => undefined };
const dir = mkdtempSync(join(tmpdir(), "stepchart-bench-"));
let dbs = 0;
const freshDb = () => join(dir, `b${dbs++}.db`);

function chain(name: string, steps: number): Flow {
  return workflow(name, sequence(name, Array.from({ length: steps }, (_, i) => step(`s${i}`, async (x: number) => x + 1)) as [Flow, ...Flow[]]));
}

/** µs per step of one raw insert per step (the floor of any durable engine on this disk). */
function rawInsertUs(sync: "NORMAL" | "FULL", rows: number): number {
  const db = new Database(freshDb());
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${sync}`);
  db.exec("CREATE TABLE j (run_id TEXT, seq INTEGER, data TEXT, PRIMARY KEY (run_id, seq)) WITHOUT ROWID");
  const insert = db.prepare("INSERT INTO j VALUES (?, ?, ?)");
  const t = performance.now();
  for (let i = 0; i < rows; i++) insert.run("run", i, '{"p":["context","v",0],"v":1}');
  const us = microsSince(t) / rows;
  db.close();
  return us;
}

/** µs per step of durable runs, `concurrent` at a time. */
async function durableUs(sync: "NORMAL" | "FULL", runs: number, concurrent: number): Promise<number> {
  const engine = createEngine({ workflows: [chain("D", STEPS)], store: sqliteStore(freshDb(), { synchronous: sync }), ...quiet });
  await engine.ready;
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: concurrent }, async () => {
      while (next < runs) {
        const { runId } = await engine.start("D", 0, { runId: `r${next++}` });
        await engine.result(runId);
      }
    }),
  );
  const us = microsSince(t) / (runs * STEPS);
  await engine.close();
  return us;
}

async function bytesPerStep(steps: number): Promise<{ journal: number; total: number }> {
  const store = memoryStore();
  const engine = createEngine({ workflows: [chain("B", steps)], store, ...quiet });
  await engine.start("B", 0, { runId: "b" });
  await engine.result("b");
  const journal = (await store.journal("b")).reduce((sum, e) => sum + e.ops.length, 0);
  const snapshot = (await store.loadRun("b"))!.snapshot!.data.length;
  await engine.close();
  return { journal: journal / steps, total: (journal + snapshot) / steps };
}

async function idleHeapBytes(runs: number): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const wf = workflow("Idle", sequence("Idle", [step("prepare", (x: number) => x + 1), waitFor("approval", "APPROVE")]));
  const engine = createEngine({ workflows: [wf], store: sqliteStore(freshDb()), ...quiet });
  await engine.ready;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < runs; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, runs - i) }, (_, k) => engine.start("Idle", i + k, { runId: `idle-${i + k}` })));
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc?.();
  const after = process.memoryUsage().heapUsed;
  await engine.close();
  return (after - before) / runs;
}

async function resumeMs(runs: number): Promise<number> {
  const path = freshDb();
  const hang = workflow("Hang", sequence("Hang", [step("a", (x: number) => x), step("forever", () => new Promise<number>(() => undefined))]));
  const one = createEngine({ workflows: [hang], store: sqliteStore(path), ...quiet });
  for (let i = 0; i < runs; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, runs - i) }, (_, k) => one.start("Hang", i, { runId: `h-${i + k}` })));
  }
  await one.close(); // the runs stay "running" in the store: the next engine must resume them
  const t = performance.now();
  const two = createEngine({ workflows: [hang], store: sqliteStore(path), ...quiet });
  await two.ready;
  const ms = performance.now() - t;
  const resumed = (await two.list({ status: "running", limit: runs * 2 })).length;
  await two.close();
  if (resumed !== runs) throw new Error(`Expected ${runs} runs to resume, got ${resumed}`);
  return ms;
}

export interface S6Result {
  perStepUs: Record<string, { raw: Stats; stepchart: Stats }>;
  bytesPerStep: Record<number, { journal: number; total: number }>;
  idleHeapBytesPerRun: number;
  resume1000Ms: Stats;
}

export async function s6(): Promise<S6Result> {
  const rounds = { warmupRounds: 1, rounds: 5 };
  const perStepUs: S6Result["perStepUs"] = {};
  for (const sync of ["NORMAL", "FULL"] as const) {
    perStepUs[`${sync}, one run at a time`] = {
      raw: await measure(async () => rawInsertUs(sync, 2000), rounds),
      stepchart: await measure(() => durableUs(sync, 100, 1), rounds),
    };
    perStepUs[`${sync}, 100 runs at once`] = {
      raw: await measure(async () => rawInsertUs(sync, 2000), rounds),
      stepchart: await measure(() => durableUs(sync, 500, 100), rounds),
    };
  }
  const bytes: S6Result["bytesPerStep"] = {};
  for (const steps of [10, 100, 1000]) bytes[steps] = await bytesPerStep(steps);
  const result: S6Result = {
    perStepUs,
    bytesPerStep: bytes,
    idleHeapBytesPerRun: await idleHeapBytes(10_000),
    resume1000Ms: await measure(() => resumeMs(1000), { warmupRounds: 0, rounds: 3 }),
  };
  rmSync(dir, { recursive: true, force: true });
  return result;
}
