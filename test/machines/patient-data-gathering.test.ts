import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile, run, ValidationError } from "../../src/index.js";
import { patientDataGathering } from "../../machines/patient-data-gathering.js";

const quiet = { log: () => undefined };

describe("patient data gathering", () => {
  it("fetches and normalises all four sources in parallel", async () => {
    const out = await run(patientDataGathering, { patientId: "p-001" }, quiet);
    expect(out.quality).toBe(1);
    expect(out.data.labs).toContainEqual({ test: "Fasting glucose", value: 7.4, unit: "mmol/L" });
    expect(out.data.labs).toContainEqual({ test: "Creatinine", value: 88, unit: "umol/L" });
    expect(out.data.meds!.map((m) => m.class)).toEqual(["biguanide (antidiabetic)", "ACE inhibitor (antihypertensive)", "statin (lipid-lowering)"]);
    expect(out.data.vitals).toEqual({ readings: 3, bloodPressure: "146/92", pulse: 77, weightTrendKg: -1.1, hypertensive: true });
    expect(out.data.history).toEqual({ age: 65, conditions: ["Type 2 diabetes (since 2019)", "Hypertension (since 2021)"], allergies: ["penicillin"] });
  });

  it("lowers the data quality for missing sources instead of failing", async () => {
    const out = await run(patientDataGathering, { patientId: "p-002" }, quiet);
    expect(out.quality).toBe(0.5);
    expect([out.data.meds, out.data.history]).toEqual([null, null]);
  });

  it("compiles the four branches as regions of a parallel state limited to 5 at once", () => {
    const p = (compile(patientDataGathering).config as any).states.PatientDataGathering;
    expect(Object.keys(p.states.$branches.states)).toEqual(["labs", "meds", "vitals", "history"]);
    expect(p.states.$branches.states.labs.states.$wait.always.guard.type).toBe("PatientDataGathering: a slot is free (< 5 running)");
  });

  it("fails the branch of a corrupt source with a validation error naming it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "patients-"));
    mkdirSync(join(dir, "p-9"));
    writeFileSync(join(dir, "p-9", "labs.json"), "{ not json");
    const error: any = await run(patientDataGathering, { patientId: "p-9", dataDir: dir }, quiet).catch((e) => e);
    expect(error.cause.errors.map((e: any) => [e.branch, e.path, e.error.code])).toEqual([["labs", "PatientDataGathering.labs.FetchLabResults", "corrupt_source"]]);
  });

  it("refuses a patient id that could reach outside the data folder", async () => {
    const error: any = await run(patientDataGathering, { patientId: "../../etc" }, quiet).catch((e) => e);
    expect(error.cause.errors[0].error).toBeInstanceOf(ValidationError);
  });
});
