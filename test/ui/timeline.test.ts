// The run viewer's timeline, rebuilt from the journal of runs made by a real
// engine on a simulated clock, so that every span is known to the millisecond.
import { createActor } from "xstate";
import { describe, expect, it } from "vitest";
import {
  compensate,
  compile,
  createEngine,
  LogicError,
  memoryStore,
  retry,
  saga,
  sequence,
  step,
  TransientError,
  waitFor,
  workflow,
  type Flow,
  type Store,
} from "../../src/index.js";
import { TestClock } from "../../src/testing/index.js";
import { activePaths, reconstructTimeline, type Timeline } from "../../src/ui/timeline.js";
import { Gate, flush } from "../support/gate.js";

const quiet = { log: () => undefined };

/** The timeline of a stored run, replayed from its input as the viewer does. */
async function timelineOf(store: Store, flow: Flow, runId: string, now: number): Promise<Timeline> {
  const run = (await store.getRun(runId))!;
  const machine = compile(flow);
  const initial = createActor(machine, { input: JSON.parse(run.input), id: runId }).getPersistedSnapshot();
  const ended = ["done", "failed", "cancelled"].includes(run.status);
  return reconstructTimeline({ machine, snapshot: initial, at: run.createdAt, journal: await store.journal(runId), ended, now });
}

/** Each row as "label kind [start-end, …]" with times relative to `t0` (open spans end in "…"). */
function spans(timeline: Timeline, t0: number): string[] {
  return timeline.rows.map(
    (r) => `${"  ".repeat(r.depth)}${r.label} ${r.kind} ${r.spans.map((s) => `${s.start - t0}-${s.end === null ? "…" : s.end - t0}`).join(" ")}`,
  );
}

describe("activePaths", () => {
  it("lists every active state path of a state value, ancestors first", () => {
    expect(activePaths({ A: { b: "c", d: { e: "f" } } })).toEqual(["A", "A.b", "A.b.c", "A.d", "A.d.e", "A.d.e.f"]);
    expect(activePaths("$done")).toEqual(["$done"]);
  });
});

describe("reconstructTimeline", () => {
  it("marks a step whose result came from the step cache with its key and the run that computed it", async () => {
    const flow = workflow("Cached", sequence("Cached", [step("Lookup", (x: string) => x.toUpperCase(), { cache: { key: (x: string) => x } }), step("Use", (x: string) => `${x}!`)]));
    const clock = new TestClock(1000);
    const storage = memoryStore();
    const engine = createEngine({ workflows: [flow], store: storage, clock, ...quiet });
    await engine.start("Cached", "abc", { runId: "computes" });
    await engine.result("computes");
    await engine.start("Cached", "abc", { runId: "reuses" });
    await engine.result("reuses");
    const rowOf = async (runId: string) => (await timelineOf(storage, flow, runId, clock.now())).rows.find((r) => r.label === "Lookup")!;
    expect((await rowOf("computes")).cached).toBeUndefined();
    expect((await rowOf("reuses")).cached).toEqual({ key: "abc", from: "computes", at: 1000 });
    await engine.close();
  });

  it("gives each step and wait the span it was active, to the millisecond of each commit", async () => {
    const fetch = new Gate();
    const store = new Gate();
    const flow = workflow("Flow", sequence("Flow", [step("Fetch", fetch.fn), waitFor("Approve", "APPROVE"), step("Store", store.fn)]));
    const clock = new TestClock(1000);
    const storage = memoryStore();
    const engine = createEngine({ workflows: [flow], store: storage, clock, ...quiet });
    await engine.start("Flow", { id: 1 }, { runId: "r-1" });
    await flush();
    await clock.advance(250);
    fetch.last.resolve({ id: 1 });
    await flush();

    const waiting = await timelineOf(storage, flow, "r-1", clock.now());
    expect(spans(waiting, 1000)).toEqual([
      "Flow block 0-…",
      "  Fetch step 0-250",
      "  Approve block 250-…",
      "    waiting for APPROVE wait 250-…",
    ]);
    expect(waiting.end).toBe(1250);

    await clock.advance(750);
    await engine.signal("r-1", { type: "APPROVE" });
    await flush();
    await clock.advance(600);
    store.last.resolve("stored");
    await engine.result("r-1");

    const done = await timelineOf(storage, flow, "r-1", 99_999);
    expect(spans(done, 1000)).toEqual([
      "Flow block 0-1600",
      "  Fetch step 0-250",
      "  Approve block 250-1000",
      "    waiting for APPROVE wait 250-1000",
      "  Store step 1000-1600",
      "done end 1600-1600",
    ]);
    expect([done.start, done.end]).toEqual([1000, 2600]);
    await engine.close();
  });

  it("shows each attempt of a retried step, the backoffs between them, and the compensation that ran after it failed", async () => {
    let attempts = 0;
    const charge = step("Charge", () => {
      attempts++;
      if (attempts < 3) throw new TransientError("card network timed out", { code: "timeout" });
      throw new LogicError("card declined for good", { code: "declined" });
    });
    const flow = workflow(
      "Book",
      saga("Book", [
        compensate(step("Reserve", (x: unknown) => x), step("Release", (x: unknown) => x)),
        retry(charge, { maxRetries: 3, initialDelay: "100ms", backoffMultiplier: 2 }),
      ]),
    );
    const clock = new TestClock(0);
    const storage = memoryStore();
    const engine = createEngine({ workflows: [flow], store: storage, clock, ...quiet });
    await engine.start("Book", {}, { runId: "b-1" });
    const failed = engine.result("b-1").catch((e: unknown) => e);
    await clock.advance(300); // attempts at 0, 100 (after 100ms) and 300 (after 200ms)
    await flush(20); // the compensation runs at 300
    expect(await failed).toMatchObject({ name: "WorkflowFailed", compensation: { ran: ["Book.Reserve"], failed: [] } });

    const timeline = await timelineOf(storage, flow, "b-1", clock.now());
    const shown = spans(timeline, 0);
    expect(shown.slice(0, 6)).toEqual([
      "Book block 0-300",
      "  Reserve block 0-0",
      "    Reserve step 0-0",
      "  Charge block 0-300",
      "    Charge step 0-0 100-100 300-300",
      "    backoff backoff 0-100 100-300",
    ]);
    // How a compensation runs inside $compensating (a step, a child machine) is the compiler's business: the row is what counts.
    expect(shown).toContain("  compensating compensation 300-300");
    expect(shown.at(-1)).toBe("failed end 300-300");
    await engine.close();
  });

  it("starts from a later snapshot with the journal after it", async () => {
    const flow = workflow("Two", sequence("Two", [step("a", (x: number) => x + 1), step("b", (x: number) => x * 2)]));
    const machine = compile(flow);
    const start = createActor(machine, { input: 1, id: "t" }).getPersistedSnapshot() as unknown as { value: unknown };
    const atB = { ...start, value: { Two: "b" } };
    const timeline = reconstructTimeline({
      machine,
      snapshot: atB,
      at: 500,
      journal: [{ at: 800, ops: JSON.stringify([{ p: ["value"], v: "$done" }, { p: ["status"], v: "done" }]) }],
      ended: true,
      now: 2000,
    });
    expect(spans(timeline, 0)).toEqual(["Two block 500-800", "  b step 500-800", "done end 800-800"]);
    expect(start.value).toEqual({ Two: "a" }); // the snapshot given is copied, never changed
  });
});
