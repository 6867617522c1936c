// The seed's combined workflow: a gathering phase with a parallel fetch, an
// analysis phase that chooses by data quality, a review phase that waits up to
// 48 hours for a physician's approval, then the report.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { choose, parallel, retry, sequence, start, step, TransientError, waitFor, workflow } from "../../src/index.js";
import { TestClock } from "../../src/testing/index.js";

const HOUR = 3_600_000;

interface Patient {
  id: string;
  records: Record<string, number[] | undefined>;
}

function buildReportWorkflow(fetchFailures: { labs: number }) {
  let labCalls = 0;
  const fetch = (kind: string) =>
    step(`fetch-${kind}`, async (p: Patient) => {
      if (kind === "labs" && ++labCalls <= fetchFailures.labs) throw new TransientError("lab system busy");
      return p.records[kind] ?? null;
    });
  const gathering = parallel(
    "Gathering",
    { labs: retry(fetch("labs"), { initialDelay: "1m" }), meds: fetch("meds"), vitals: fetch("vitals"), history: fetch("history") },
    { maxConcurrency: 2, combine: (r, p: Patient) => ({ id: p.id, data: r, quality: Object.values(r).filter((v) => v !== null).length / 4 }) },
  );
  type Gathered = { id: string; data: Record<string, number[] | null>; quality: number };
  const analysis = choose(
    "Analysis",
    [
      { when: (g: Gathered) => g.quality === 1, then: step("FullAnalysis", (g: Gathered) => ({ ...g, analysis: "full" })), label: "all data present" },
      { when: (g: Gathered) => g.quality >= 0.5, then: step("PartialAnalysis", (g: Gathered) => ({ ...g, analysis: "partial" })), label: "quality >= 0.5" },
    ],
    step("RequestMoreData", (g: Gathered) => ({ ...g, analysis: "insufficient" })),
  );
  const review = waitFor("PhysicianReview", "APPROVE", {
    timeout: "48h",
    schema: z.object({ physician: z.string() }),
    onTimeout: step("EscalateToOnCall", (x: object) => ({ ...x, physician: "on-call", escalated: true })),
  });
  const report = step("GenerateReport", (x: { id: string; analysis: string; physician: string; escalated?: boolean }) => ({
    report: `${x.id}: ${x.analysis} analysis, approved by ${x.physician}${x.escalated ? " (escalated after 48h)" : ""}`,
  }));
  return workflow("ReportGeneration", sequence("ReportGeneration", [gathering, analysis, review, report]));
}

const patient: Patient = { id: "p-7", records: { labs: [5.4], meds: [1], vitals: [120, 80], history: [] } };

describe("the combined report workflow, on simulated time", () => {
  it("goes on when the physician approves at hour 47", async () => {
    const clock = new TestClock();
    const handle = start(buildReportWorkflow({ labs: 1 }), patient, { clock, log: () => undefined });
    await clock.advance(60_000); // the lab fetch retries after 1 minute
    expect(handle.waitingFor()).toEqual(["APPROVE"]);
    await clock.advance(47 * HOUR - 60_000);
    expect(handle.send({ type: "APPROVE", physician: "dr-grey" })).toBe(true);
    expect(await handle.result).toEqual({ report: "p-7: full analysis, approved by dr-grey" });
  });

  it("takes the timeout path when nobody approves by hour 48", async () => {
    const clock = new TestClock();
    const handle = start(buildReportWorkflow({ labs: 0 }), { ...patient, records: { labs: [1], meds: [2] } }, { clock, log: () => undefined });
    await clock.advance(48 * HOUR - 1);
    expect(handle.waitingFor()).toEqual(["APPROVE"]);
    await clock.advance(1);
    expect(await handle.result).toEqual({ report: "p-7: partial analysis, approved by on-call (escalated after 48h)" });
    expect(handle.send({ type: "APPROVE", physician: "too-late" })).toBe(false);
  });
});
