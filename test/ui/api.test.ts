// The run viewer's JSON API over a real engine and a temporary SQLite store.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { approvalRouting } from "../../machines/approval-routing.js";
import { createEngine, LogicError, sequence, sqliteStore, step, waitFor, workflow, type Engine, type Flow, type Store } from "../../src/index.js";
import { createRunApi, type RunApi } from "../../src/ui/api.js";
import { flush } from "../support/gate.js";

const dir = mkdtempSync(join(tmpdir(), "stepchart-ui-api-"));
let dbs = 0;
const open: { engine: Engine; store: Store }[] = [];

function setup(engineFlows: Flow[], viewerFlows: Flow[] = engineFlows, store: Store = sqliteStore(join(dir, `api-${dbs++}.db`))): { engine: Engine; store: Store; api: RunApi } {
  const engine = createEngine({ workflows: engineFlows, store, log: () => undefined });
  open.push({ engine, store });
  return { engine, store, api: createRunApi({ engine, store, workflows: viewerFlows }) };
}

afterEach(async () => {
  for (const { engine, store } of open.splice(0)) {
    await engine.close();
    await store.close();
  }
});

const review = { id: "exp-1", kind: "expense", confidence: 0.8 };

describe("the run viewer's API", () => {
  it("lists runs newest first and filters them by status", async () => {
    const { engine, api } = setup([approvalRouting]);
    await engine.start("ApprovalRouting", review, { runId: "waits" });
    await engine.start("ApprovalRouting", { id: "a", kind: "invoice", confidence: 0.95 }, { runId: "auto" });
    await engine.result("auto");
    await engine.start("ApprovalRouting", { id: "x", kind: "poem", confidence: 0.5 }, { runId: "bad" });
    await engine.result("bad").catch(() => undefined);

    expect((await api.list()).map((r) => [r.runId, r.status])).toEqual([
      ["bad", "failed"],
      ["auto", "done"],
      ["waits", "waiting"],
    ]);
    expect((await api.list({ status: "waiting" })).map((r) => r.runId)).toEqual(["waits"]);
    expect((await api.list({ limit: 1 })).map((r) => r.runId)).toEqual(["bad"]);
  });

  it("describes a waiting run: its active states, the events it takes with a payload template from the wait's schema, and a timeline", async () => {
    const { engine, api } = setup([approvalRouting]);
    await engine.start("ApprovalRouting", review, { runId: "exp-1" });
    const detail = (await api.detail("exp-1"))!;
    expect(detail).toMatchObject({ runId: "exp-1", status: "waiting", waitingFor: ["DECIDE"], input: review, cancellable: true, notes: [] });
    expect(detail.active).toContain("ApprovalRouting.review.WaitForApproval.$waiting");
    expect(detail.actions).toEqual([{ type: "DECIDE", label: "Send DECIDE", template: { approved: false, by: "" }, operator: false }]);
    expect(detail.diagram).toEqual({ available: true, version: "1", exact: true });
    expect(detail.timeline!.from).toBe("start");
    expect(detail.timeline!.rows.map((r) => [r.label, r.kind])).toEqual([
      ["ApprovalRouting", "block"],
      ["review", "block"],
      ["SendForReview", "step"],
      ["WaitForApproval", "block"],
      ["waiting for DECIDE", "wait"],
    ]);
    expect(await api.diagram("exp-1")).toMatch(/^<svg[\s\S]*data-path="ApprovalRouting\.review\.WaitForApproval\.\$waiting"/);
  });

  it("sends an event through the engine, and the run goes on to the end", async () => {
    const { engine, api } = setup([approvalRouting]);
    await engine.start("ApprovalRouting", review, { runId: "exp-1" });
    const after = await api.signal("exp-1", { type: "DECIDE", approved: true, by: "boss" });
    expect(after.waitingFor).toEqual([]);
    expect(await engine.result("exp-1")).toMatchObject({ decision: "approved", by: "boss" });
    const done = (await api.detail("exp-1"))!;
    expect([done.status, done.active, done.actions, done.cancellable]).toEqual(["done", ["$done"], [], false]);
    expect(done.output).toMatchObject({ decision: "approved" });
  });

  it("refuses an event the run does not wait for, and a payload its schema rejects, with the engine's validation errors", async () => {
    const { engine, api } = setup([approvalRouting]);
    await engine.start("ApprovalRouting", review, { runId: "exp-1" });
    await expect(api.signal("exp-1", { type: "APPROVE" })).rejects.toMatchObject({ category: "validation", code: "event_not_accepted" });
    await expect(api.signal("exp-1", { type: "DECIDE", approved: "yes" })).rejects.toMatchObject({ category: "validation" });
    await expect(api.signal("nope", { type: "DECIDE" })).rejects.toMatchObject({ code: "unknown_run" });
    expect((await api.detail("exp-1"))!.status).toBe("waiting");
  });

  it("cancels a run through the engine", async () => {
    const { engine, api } = setup([approvalRouting]);
    await engine.start("ApprovalRouting", review, { runId: "exp-1" });
    const cancelled = await api.cancel("exp-1");
    expect([cancelled.status, cancelled.cancellable, cancelled.error?.code]).toEqual(["cancelled", false, "run_cancelled"]);
  });

  it("shows a failed run's error with its category, code, failed step and compensation report", async () => {
    const { engine, api } = setup([approvalRouting]);
    await engine.start("ApprovalRouting", { id: "x", kind: "poem", confidence: 0.5 }, { runId: "bad" });
    await engine.result("bad").catch(() => undefined);
    const { error, active } = (await api.detail("bad"))!;
    expect(active).toEqual(["$failed"]);
    expect(error).toMatchObject({
      name: "WorkflowFailed",
      category: "validation",
      code: "workflow_failed",
      step: "ApprovalRouting",
      compensation: { ran: [], failed: [] },
      cause: { name: "ValidationError", code: "schema_mismatch", issues: [{ path: ["kind"] }] },
    });
    expect(JSON.stringify(error)).not.toContain("    at "); // no stack traces
  });

  it("lists the parked step of an escalated run with its error and offers the operator's retry, skip and abort", async () => {
    let calls = 0;
    const flaky = workflow(
      "Flaky",
      sequence("Flaky", [
        step("Load", () => {
          if (++calls === 1) throw new LogicError("the ledger is locked", { code: "ledger_locked" });
          return "loaded";
        }),
      ]),
      { escalate: true },
    );
    const { engine, api } = setup([flaky]);
    await engine.start("Flaky", null, { runId: "f-1" });
    await flush(10);
    const parked = (await api.detail("f-1"))!;
    expect(parked.status).toBe("escalated");
    expect(parked.parked).toEqual([{ path: "Flaky.Load", error: expect.objectContaining({ category: "logic", code: "ledger_locked", message: "the ledger is locked" }) }]);
    expect(parked.actions.map((a) => [a.type, a.operator])).toEqual([
      ["stepchart.abort", true],
      ["stepchart.retry", true],
      ["stepchart.skip", true],
    ]);
    expect(parked.timeline!.rows.map((r) => r.kind)).toContain("escalated");
    await api.signal("f-1", { type: "stepchart.retry" });
    expect(await engine.result("f-1")).toBe("loaded");
  });

  it("says so when the viewer lacks the run's workflow: no diagram, no timeline, but the run and its events", async () => {
    const { engine, api } = setup([approvalRouting], []);
    await engine.start("ApprovalRouting", review, { runId: "exp-1" });
    const detail = (await api.detail("exp-1"))!;
    expect(detail).toMatchObject({ status: "waiting", diagram: { available: false }, actions: [{ type: "DECIDE", template: {} }] });
    expect(detail.timeline).toBeUndefined();
    expect(detail.notes).toEqual(['Workflow "ApprovalRouting" is not registered with this viewer (see --workflows): no diagram, timeline or event templates.']);
    expect(await api.diagram("exp-1")).toBeUndefined();
  });

  it("draws a run of another version with the viewer's version and rebuilds its timeline from the latest snapshot", async () => {
    const v1 = workflow("Review", sequence("Review", [step("Prepare", (x: unknown) => x), waitFor("Approve", "APPROVE")]), { version: "1" });
    const v2 = workflow("Review", sequence("Review", [step("Prepare", (x: unknown) => x), step("Check", (x: unknown) => x), waitFor("Approve", "APPROVE")]), { version: "2" });
    const { engine, api } = setup([v1], [v2]);
    await engine.start("Review", {}, { runId: "r-1" });
    const detail = (await api.detail("r-1"))!;
    expect(detail.diagram).toEqual({ available: true, version: "2", exact: false });
    expect(detail.notes[0]).toBe('The run started under a definition of "Review" this viewer does not have; drawn with version 2.');
    expect(detail.timeline!.from).toBe("snapshot");
    expect(detail.timeline!.rows.map((r) => r.label)).toEqual(["Review", "Approve", "waiting for APPROVE"]);
  });

  it("gives the unknown run no detail, and a version that changes when a run does", async () => {
    const { engine, api } = setup([approvalRouting]);
    expect(await api.detail("nope")).toBeUndefined();
    const empty = await api.version("exp-1");
    expect(empty.run).toBe("missing");
    await engine.start("ApprovalRouting", review, { runId: "exp-1" });
    const waiting = await api.version("exp-1");
    expect(waiting.list).not.toBe(empty.list);
    await engine.signal("exp-1", { type: "DECIDE", approved: false, by: "boss" });
    await engine.result("exp-1");
    const done = await api.version("exp-1");
    expect([done.list === waiting.list, done.run === waiting.run]).toEqual([false, false]);
  });
});
