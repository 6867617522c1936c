import { describe, expect, it, vi } from "vitest";
import { start } from "../../src/index.js";
import { TestClock } from "../../src/testing/index.js";
import { reportGeneration } from "../../machines/report-generation.js";

const quiet = { log: () => undefined };
const HOUR = 3_600_000;

describe("report generation", () => {
  it("gathers, analyses fully, and reports once the physician approves at hour 47", async () => {
    const clock = new TestClock();
    const handle = start(reportGeneration, { patientId: "p-001" }, { ...quiet, clock });
    await vi.waitFor(() => expect(handle.waitingFor()).toEqual(["APPROVE"]));
    await clock.advance(47 * HOUR);
    expect(handle.waitingFor()).toEqual(["APPROVE"]);
    handle.send({ type: "APPROVE", physician: "dr-grey", notes: "agree, adjust metformin" });
    const out = await handle.result;
    expect(out).toMatchObject({ patientId: "p-001", analysis: "full", reviewedBy: "dr-grey" });
    expect(out.report).toContain("- HbA1c 6.8%: diabetes not controlled (target < 6.5%)");
    expect(out.report).toContain("- average blood pressure 146/92: hypertensive");
    expect(out.report).toContain("- LDL above target despite a statin: review the dose");
    expect(out.report).toContain("Reviewed by dr-grey: agree, adjust metformin");
  });

  it("has the on-call physician sign off when nobody reviews within 48 hours", async () => {
    const clock = new TestClock();
    const handle = start(reportGeneration, { patientId: "p-002" }, { ...quiet, clock });
    // gathering reads files (real I/O): the 48-hour wait starts once it is done
    await vi.waitFor(() => expect(handle.waitingFor()).toEqual(["APPROVE"]));
    await clock.advance(48 * HOUR);
    const out = await handle.result;
    expect(out).toMatchObject({ analysis: "partial", reviewedBy: "on-call" });
    expect(out.report).toContain("Analysis: partial (missing: meds, history)");
    expect(out.report).toContain("no findings outside the reference ranges");
  });

  it("asks for more data when a patient has no records", async () => {
    const clock = new TestClock();
    const handle = start(reportGeneration, { patientId: "p-404" }, { ...quiet, clock });
    await vi.waitFor(() => expect(handle.waitingFor()).toEqual(["APPROVE"]));
    await clock.advance(HOUR);
    handle.send({ type: "APPROVE", physician: "dr-house" });
    expect(await handle.result).toMatchObject({ analysis: "insufficient" });
  });

  it("fails the gathering phase, as a child workflow, with the child's path", async () => {
    const clock = new TestClock();
    const handle = start(reportGeneration, { patientId: "../x" }, { ...quiet, clock });
    const error: any = await handle.result.catch((e) => e);
    expect(error.step).toBe("ReportGeneration.PatientDataGathering.PatientDataGathering");
    expect(error.cause.errors.map((e: any) => e.path)).toContain("ReportGeneration.PatientDataGathering.PatientDataGathering.labs.FetchLabResults");
  });
});
