import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  compensate,
  createEngine,
  IncompatibleVersionError,
  LogicError,
  memoryStore,
  RunCancelledError,
  saga,
  sequence,
  sleep,
  sqliteStore,
  step,
  ValidationError,
  waitFor,
  workflow,
  WorkflowFailed,
  type Store,
} from "../../src/index.js";
import { TestClock } from "../../src/testing/index.js";
import { Gate, flush } from "../support/gate.js";

const quiet = { log: () => undefined };
const HOUR = 3_600_000;
const dir = mkdtempSync(join(tmpdir(), "stepchart-engine-"));
let dbs = 0;

const stores: [string, () => Store][] = [
  ["memoryStore", () => memoryStore()],
  ["sqliteStore", () => sqliteStore(join(dir, `engine-${dbs++}.db`))],
];

describe.each(stores)("the engine on %s", (_name, makeStore) => {
  it("runs a workflow to the end and reports its output, status and state", async () => {
    const wf = workflow("Sum", sequence("Sum", [step("a", (x: number) => x + 1), step("b", async (x: number) => x * 10)]));
    const engine = createEngine({ workflows: [wf], store: makeStore(), ...quiet });
    const { runId, created } = await engine.start("Sum", 4, { runId: "sum-1" });
    expect([runId, created]).toEqual(["sum-1", true]);
    expect(await engine.result(runId)).toBe(50);
    expect(await engine.get(runId)).toMatchObject({ status: "done", output: 50, workflow: "Sum", version: "1", value: "$done" });
    expect((await engine.list({ status: "done" })).map((r) => r.runId)).toEqual(["sum-1"]);
    await engine.close();
  });

  it("starts a run id once: starting it again returns the same run and runs nothing", async () => {
    let calls = 0;
    const wf = workflow("Once", step("count", () => ++calls));
    const engine = createEngine({ workflows: [wf], store: makeStore(), ...quiet });
    await engine.start("Once", null, { runId: "doc-42" });
    await engine.result("doc-42");
    const again = await engine.start("Once", null, { runId: "doc-42" });
    expect(again).toEqual({ runId: "doc-42", created: false, status: "done" });
    expect(calls).toBe(1);
    await engine.close();
  });

  it("rejects a failed run with WorkflowFailed, also when asked after it ended", async () => {
    const wf = workflow("Bad", step("boom", () => {
      throw new LogicError("nope");
    }));
    const engine = createEngine({ workflows: [wf], store: makeStore(), ...quiet });
    const { runId } = await engine.start("Bad", null);
    const live: any = await engine.result(runId).catch((e) => e);
    expect(live).toBeInstanceOf(WorkflowFailed);
    const later: any = await engine.result(runId).catch((e) => e);
    expect(later).toBeInstanceOf(WorkflowFailed);
    expect([later.step, later.category, later.cause.message]).toEqual(["boom", "logic", "nope"]);
    expect((await engine.get(runId))!.status).toBe("failed");
    await engine.close();
  });

  it("resumes in a new engine a run whose step was in flight: the step runs again with the same idempotency key, completed steps do not", async () => {
    const store = makeStore();
    const keys: string[] = [];
    let firstRuns = 0;
    const gate = new Gate();
    const wf = (slow: (x: number, ctx: any) => unknown) =>
      workflow("Job", sequence("Job", [step("first", (x: number) => (firstRuns++, x + 1)), step("slow", (x: number, ctx) => (keys.push(ctx.idempotencyKey), slow(x, ctx)))]));
    const one = createEngine({ workflows: [wf(gate.fn)], store, ...quiet });
    await one.start("Job", 1, { runId: "job" });
    await flush();
    expect(keys).toEqual(["job:Job.slow:1"]);
    await one.close();
    const two = createEngine({ workflows: [wf((x) => x * 100)], store, ...quiet });
    expect(await two.result("job")).toBe(200);
    expect(keys).toEqual(["job:Job.slow:1", "job:Job.slow:1"]);
    expect(firstRuns).toBe(1);
    await two.close();
  });

  it("drops an idle run from memory and wakes it for its timer", async () => {
    const clock = new TestClock();
    const wf = workflow("Nap", sequence("Nap", [sleep("rest", "2h"), step("wake", () => clock.now())]));
    const engine = createEngine({ workflows: [wf], store: makeStore(), clock, ...quiet });
    const { runId } = await engine.start("Nap", null);
    expect(await engine.get(runId)).toMatchObject({ status: "waiting", wakeAt: 2 * HOUR });
    await clock.advance(2 * HOUR);
    expect(await engine.result(runId)).toBe(2 * HOUR);
    await engine.close();
  });

  it("fires, on restart, a timer that fell due while no engine ran", async () => {
    const store = makeStore();
    const clock = new TestClock();
    const wf = workflow("Nap", sequence("Nap", [sleep("rest", "1h"), step("wake", () => clock.now())]));
    const one = createEngine({ workflows: [wf], store, clock, ...quiet });
    await one.start("Nap", null, { runId: "nap" });
    await one.close();
    await clock.advance(5 * HOUR);
    const two = createEngine({ workflows: [wf], store, clock, ...quiet });
    await clock.advance(0);
    expect(await two.result("nap")).toBe(5 * HOUR);
    await two.close();
  });

  it("keeps a 48-hour wait across a restart: approved at hour 47 it goes on", async () => {
    const store = makeStore();
    const clock = new TestClock();
    const wf = workflow(
      "Review",
      sequence("Review", [
        waitFor("Approval", "APPROVE", { timeout: "48h", schema: z.object({ by: z.string() }), onTimeout: step("Expired", () => ({ by: "nobody" })) }),
        step("Publish", (x: { by: string }) => `approved by ${x.by}`),
      ]),
    );
    const one = createEngine({ workflows: [wf], store, clock, ...quiet });
    await one.start("Review", {}, { runId: "rev" });
    await clock.advance(30 * HOUR);
    await one.close();
    const two = createEngine({ workflows: [wf], store, clock, ...quiet });
    await clock.advance(17 * HOUR);
    expect((await two.get("rev"))!.waitingFor).toEqual(["APPROVE"]);
    await two.signal("rev", { type: "APPROVE", by: "dr-grey" });
    expect(await two.result("rev")).toBe("approved by dr-grey");
    await two.close();
  });

  it("takes the timeout path of a 48-hour wait at hour 48, across a restart", async () => {
    const store = makeStore();
    const clock = new TestClock();
    const wf = workflow("Review", waitFor("Approval", "APPROVE", { timeout: "48h", onTimeout: step("Expired", () => "expired") }));
    const one = createEngine({ workflows: [wf], store, clock, ...quiet });
    await one.start("Review", {}, { runId: "rev" });
    await one.close();
    await clock.advance(48 * HOUR);
    const two = createEngine({ workflows: [wf], store, clock, ...quiet });
    expect(await two.result("rev")).toBe("expired");
    await two.close();
  });

  it("tells a sender clearly when a signal cannot be taken", async () => {
    const wf = workflow("Review", waitFor("Approval", "APPROVE", { schema: z.object({ by: z.string() }) }));
    const done = workflow("Done", step("x", () => 1));
    const engine = createEngine({ workflows: [wf, done], store: makeStore(), ...quiet });
    await engine.start("Review", {}, { runId: "rev" });
    await engine.start("Done", {}, { runId: "done" });
    await engine.result("done");
    const unknown: any = await engine.signal("nope", { type: "APPROVE" }).catch((e) => e);
    expect([unknown.code, unknown.message]).toEqual(["unknown_run", "No run with id nope exists in this engine's store"]);
    const wrongType: any = await engine.signal("rev", { type: "REJECT" }).catch((e) => e);
    expect([wrongType.code, wrongType.message]).toEqual(["event_not_accepted", "Run rev cannot take REJECT now; it waits for APPROVE"]);
    const badPayload: any = await engine.signal("rev", { type: "APPROVE", by: 1 }).catch((e) => e);
    expect(badPayload).toBeInstanceOf(ValidationError);
    const ended: any = await engine.signal("done", { type: "APPROVE" }).catch((e) => e);
    expect(ended.code).toBe("run_finished");
    await engine.signal("rev", { type: "APPROVE", by: "x" });
    expect(await engine.result("rev")).toEqual({ by: "x" });
    await engine.close();
  });

  it("delivers, when it starts, a signal written before a crash kept it from being delivered", async () => {
    const store = makeStore();
    const wf = workflow("Review", waitFor("Approval", "APPROVE"));
    const one = createEngine({ workflows: [wf], store, ...quiet });
    await one.start("Review", { doc: 1 }, { runId: "rev" });
    await one.close();
    await store.addSignal("rev", JSON.stringify({ type: "APPROVE", by: "night-shift" }), 0);
    const two = createEngine({ workflows: [wf], store, ...quiet });
    expect(await two.result("rev")).toEqual({ doc: 1, by: "night-shift" });
    await two.close();
  });

  it("cancels a run: compensates what it completed, then reports it cancelled", async () => {
    const undone: string[] = [];
    const wf = workflow("Trip", saga("Trip", [compensate(step("book", (x: number) => x), () => void undone.push("book")), waitFor("Confirm", "CONFIRM")]));
    const engine = createEngine({ workflows: [wf], store: makeStore(), ...quiet });
    await engine.start("Trip", 1, { runId: "trip" });
    await engine.cancel("trip");
    expect(undone).toEqual(["book"]);
    expect((await engine.get("trip"))!.status).toBe("cancelled");
    const error: any = await engine.result("trip").catch((e) => e);
    expect(error).toBeInstanceOf(RunCancelledError);
    expect(error.details.compensation).toEqual({ ran: ["Trip.book"], failed: [] });
    await engine.close();
  });

  it("rejects an unknown workflow and an input JSON cannot hold", async () => {
    const engine = createEngine({ workflows: [workflow("W", step("s", (x: unknown) => x))], store: makeStore(), ...quiet });
    const unknown: any = await engine.start("Nope", {}).catch((e) => e);
    expect([unknown.code, unknown.message]).toEqual(["unknown_workflow", 'No workflow named "Nope" is registered with this engine (registered: W)']);
    const cyclic: any = { a: 1 };
    cyclic.self = cyclic;
    const bad: any = await engine.start("W", cyclic).catch((e) => e);
    expect(bad).toBeInstanceOf(ValidationError);
    expect(bad.code).toBe("not_json");
    await engine.close();
  });

  it("writes one journal entry per step of a sequence, each as small as the step's change", async () => {
    const store = makeStore();
    const steps = Array.from({ length: 20 }, (_, i) => step(`s${i}`, (x: number) => x + 1));
    const engine = createEngine({ workflows: [workflow("Long", sequence("Long", steps as any))], store, ...quiet });
    await engine.start("Long", 0, { runId: "long" });
    expect(await engine.result("long")).toBe(20);
    const journal = await store.journal("long");
    expect(journal.length).toBeGreaterThanOrEqual(20);
    expect(journal.length).toBeLessThanOrEqual(21);
    const sizes = journal.slice(1, -1).map((e) => e.ops.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThan(10);
    await engine.close();
  });
});

describe("versions", () => {
  const v1 = workflow("Doc", sequence("Doc", [step("receive", (x: unknown) => x), waitFor("Review", "OK"), step("store", () => "stored v1")]), { version: "1" });
  const v2Compatible = workflow("Doc", sequence("Doc", [step("receive", (x: unknown) => x), waitFor("Review", "OK"), step("store", () => "stored v2"), step("index", (x: string) => `${x} + indexed`)]), { version: "2" });
  const v2Incompatible = workflow("Doc", sequence("Doc", [step("receive", (x: unknown) => x), waitFor("Approval", "OK"), step("store", () => "stored v2b")]), { version: "2b" });

  async function waitingRun(store: Store) {
    const one = createEngine({ workflows: [v1], store, ...quiet });
    await one.start("Doc", {}, { runId: "doc" });
    await one.close();
  }

  it("fails a run that cannot continue under the new definition with IncompatibleVersionError naming the missing states", async () => {
    const store = memoryStore();
    await waitingRun(store);
    const two = createEngine({ workflows: [v2Incompatible], store, ...quiet });
    const report = await two.checkCompatibility(v2Incompatible);
    expect(report).toEqual([{ runId: "doc", missing: ["Doc.Review", "Doc.Review.$waiting"] }]);
    const error: any = await two.signal("doc", { type: "OK" }).catch((e) => e);
    expect(error.code).toBe("run_finished");
    const failure: any = await two.result("doc").catch((e) => e);
    expect(failure).toBeInstanceOf(IncompatibleVersionError);
    expect(failure.missing).toEqual(["Doc.Review", "Doc.Review.$waiting"]);
    await two.close();
  });

  it("lets the run finish on the old version while it is still registered", async () => {
    const store = memoryStore();
    await waitingRun(store);
    const two = createEngine({ workflows: [v1, v2Incompatible], store, ...quiet });
    await two.signal("doc", { type: "OK" });
    expect(await two.result("doc")).toBe("stored v1");
    await two.close();
  });

  it("moves a run to a compatible new version", async () => {
    const store = memoryStore();
    await waitingRun(store);
    const two = createEngine({ workflows: [v2Compatible], store, ...quiet });
    expect(await two.checkCompatibility(v2Compatible)).toEqual([]);
    await two.signal("doc", { type: "OK" });
    expect(await two.result("doc")).toBe("stored v2 + indexed");
    await two.close();
  });
});

describe("bad stored data", () => {
  it("fails a run whose snapshot is corrupt with a clear error and leaves the others alone", async () => {
    const path = join(dir, "corrupt.db");
    const wf = workflow("Wait", waitFor("W", "GO"));
    const one = createEngine({ workflows: [wf], store: sqliteStore(path), ...quiet });
    await one.start("Wait", {}, { runId: "good" });
    await one.start("Wait", {}, { runId: "bad" });
    await one.close();
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(path);
    db.prepare("UPDATE snapshots SET data = ? WHERE run_id = 'bad'").run('{"value": {"W": "$wait');
    db.close();
    const two = createEngine({ workflows: [wf], store: sqliteStore(path), ...quiet });
    const error: any = await two.signal("bad", { type: "GO" }).catch((e) => e);
    expect(error.code).toBe("run_finished");
    const failure: any = await two.result("bad").catch((e) => e);
    expect(failure.code).toBe("corrupt_run");
    expect(failure.message).toContain("Run bad cannot be restored: its stored state is unreadable");
    await two.signal("good", { type: "GO" });
    expect(await two.result("good")).toEqual({});
    await two.close();
  });
});
