import { describe, expect, it } from "vitest";
import { z } from "zod";
import { cancelOn, compensate, critical, parallel, retry, saga, sequence, sleep, step, timeout, waitFor, workflow } from "../../src/index.js";
import { check } from "../../src/testing/index.js";
import { inputClasses, paths } from "../../src/testing/index.js";
import { project } from "../../src/testing/projection.js";
import { approvalRouting } from "../../machines/approval-routing.js";
import type { FlowNode } from "../../src/dsl/flow.js";

const pass = (name: string, options = {}) => step(name, (x: unknown) => x, options);

describe("paths", () => {
  it("takes each choose case, answers each wait or lets it time out, and fails each step", () => {
    const list = paths(approvalRouting);
    expect(list).toHaveLength(13);
    expect(list.map((p) => p.description)).toContain(
      'ApprovalRouting takes "confidence >= 0.7" → ApprovalRouting.review.SendForReview done → ApprovalRouting.review.WaitForApproval times out after 86400000ms → ApprovalRouting.review.WaitForApproval.EscalateToSupervisor done → ApprovalRouting.review.ProcessApproval done → done',
    );
    expect(list.filter((p) => p.status === "failed").map((p) => p.failure)).toContainEqual({ path: "ApprovalRouting.review.SendForReview", category: "transient" });
  });

  it("counts retries up to the limit, once per category the retry treats differently", () => {
    const list = paths(workflow("Fetch", pass("Fetch", { retry: { maxRetries: 2 } })));
    expect(list.map((p) => p.description)).toEqual([
      "Fetch done → done",
      "Fetch fails (transient) → Fetch retries after a backoff → Fetch done → done",
      "Fetch fails (transient) → Fetch retries after a backoff → Fetch fails (transient) → Fetch retries after a backoff → Fetch done → done",
      "Fetch fails (transient) → Fetch retries after a backoff → Fetch fails (transient) → Fetch retries after a backoff → Fetch fails (transient) → fails at Fetch (transient)",
      "Fetch fails (transient) → Fetch retries after a backoff → Fetch fails (transient) → Fetch retries after a backoff → Fetch fails (validation) → fails at Fetch (validation)",
      "Fetch fails (transient) → Fetch retries after a backoff → Fetch fails (validation) → fails at Fetch (validation)",
      "Fetch fails (validation) → fails at Fetch (validation)",
    ]);
  });

  it("gives the shortest path to each way the run can end", () => {
    const list = paths(workflow("Fetch", pass("Fetch", { retry: { maxRetries: 2 } })), { kind: "shortest" });
    expect(list.map((p) => p.description).sort()).toEqual(["Fetch done → done", "Fetch fails (transient) → Fetch retries after a backoff → Fetch fails (transient) → Fetch retries after a backoff → Fetch fails (transient) → fails at Fetch (transient)", "Fetch fails (validation) → fails at Fetch (validation)"].sort());
  });

  it("moves parallel branches in branch order and lets one flow go wrong per path unless told otherwise", () => {
    const wf = workflow("Both", parallel("Both", { a: pass("A"), b: pass("B") }));
    expect(paths(wf).map((p) => p.description)).toEqual([
      // a branch's path is named by its key: the step at its root is "Both.a", as ctx.path says
      "Both.a done → Both.b done → done",
      "Both.a done → Both.b fails (transient) → fails at Both (transient)",
      "Both.a fails (transient) → Both.b done → fails at Both (transient)",
    ]);
    expect(paths(wf, { maxFailures: 2 })).toHaveLength(4);
  });

  it("lets a timeout fire while a step inside it runs, and a compensation succeed or fail", () => {
    const wf = workflow("T", saga("T", [compensate(pass("Hold"), pass("Release")), timeout(sequence("Slow", [pass("S1"), sleep("Pause", "1s")]), "5s")]));
    const list = paths(wf).map((p) => p.description);
    expect(list).toContain("T.Hold done → T.Slow times out → fails at T.Slow (transient)");
    expect(list).toContain("T.Hold done → T.Slow.S1 fails (logic) → T.Hold compensation fails → fails at T.Slow.S1 (logic)");
    expect(list).toContain("T.Hold done → T.Slow.S1 done → T.Slow.Pause sleeps 1000ms → done");
  });

  it("draws a construct it does not know as one step that finishes or fails, and lists it", () => {
    const mystery = { kind: "mystery", name: "Mystery", flow: pass("Inside") } as unknown as FlowNode;
    // Built by hand: the builders refuse a kind they do not know.
    const flow = { kind: "sequence", name: "M", flows: [pass("Before"), mystery, waitFor("After", "GO", { timeout: "1m" })] } as unknown as FlowNode;
    const wf = { kind: "workflow", name: "M", version: "1", flow } as never;
    expect(paths(wf).map((p) => p.description)).toContain("M.Before done → M.Mystery done → M.After receives GO → done");
    expect(project(wf).structure.unsupported).toEqual([{ kind: "mystery", display: "M.Mystery" }]);
  });
});

describe("paths through cancelOn and critical", () => {
  const withdrawable = workflow("K", cancelOn(sequence("Work", [pass("A"), waitFor("W", "GO", { timeout: "1h" })]), "WITHDRAW", { onCancel: pass("Withdrawn") }));

  it("withdraws the flow while a step runs or a wait waits, then runs onCancel", () => {
    expect(paths(withdrawable).map((p) => p.description)).toEqual([
      "Work.A done → Work.W receives GO → done",
      "Work.A done → Work.W times out after 3600000ms → fails at Work.W (logic)",
      "Work.A done → Work is withdrawn by WITHDRAW → Work.Withdrawn done → done",
      "Work.A done → Work is withdrawn by WITHDRAW → Work.Withdrawn fails (transient) → fails at Work.Withdrawn (transient)",
      "Work.A fails (transient) → fails at Work.A (transient)",
      "Work is withdrawn by WITHDRAW → Work.Withdrawn done → done",
      "Work is withdrawn by WITHDRAW → Work.Withdrawn fails (transient) → fails at Work.Withdrawn (transient)",
    ]);
  });

  it("replays every withdrawal on the real machine, sending the event while the step runs", async () => {
    expect((await check(withdrawable)).violations).toEqual([]);
  });

  it("runs critical sections in branch order and replays them without differences", async () => {
    const wf = workflow("L", parallel("L", { a: sequence("a", [critical("ledger", pass("Debit")), pass("Notify")]), b: critical("ledger", pass("Audit")) }));
    const report = await check(wf);
    expect(report.paths[0]!.description).toBe("L.a.Debit done → L.a.Notify done → L.b done → done");
    expect(report.violations).toEqual([]);
    expect(report.unsupported).toEqual([]);
  });
});

describe("inputClasses", () => {
  it("varies one field at a time: each enum member, an optional field present, a number's bounds and middle", () => {
    const classes = inputClasses(z.object({ kind: z.enum(["a", "b"]), note: z.string().optional(), score: z.number().min(0).max(10) }));
    expect(classes).toEqual([
      { label: "base", value: { kind: "a", score: 0 } },
      { label: 'kind = "b"', value: { kind: "b", score: 0 } },
      { label: "note = a string", value: { kind: "a", note: "sample", score: 0 } },
      { label: "score = 10", value: { kind: "a", score: 10 } },
      { label: "score = 5", value: { kind: "a", score: 5 } },
    ]);
  });
});

describe("retry around a flow", () => {
  it("numbers the attempts of a whole flow by its retry", () => {
    const list = paths(workflow("R", retry(sequence("R", [pass("One"), pass("Two")]), { maxRetries: 1 })));
    expect(list.map((p) => p.description)).toContain("R.One done → R.Two fails (transient) → R retries after a backoff → R.One done → R.Two done → done");
  });
});
