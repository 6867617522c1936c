// Patient data gathering (HealthMetrics): fetch a patient's labs, medications,
// vitals and history in parallel (at most 5 at once), each branch normalising
// its own data: lab units to SI, medications to their drug class, vitals to
// averages and flags, history to conditions and age. A missing source is not
// a failure: it lowers the data quality score that the report workflow uses.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parallel, sequence, step, TransientError, ValidationError, workflow } from "stepchart";
import { z } from "zod";

const SAMPLES = fileURLToPath(new URL("./samples/patients/", import.meta.url));

export interface PatientRef {
  patientId: string;
  /** Where the patient folders are. @default the shipped samples */
  dataDir?: string;
}

/** Reads one source of a patient; null when the source has no record. */
function fetchSource(name: string, file: string) {
  return step(
    name,
    async (p: PatientRef): Promise<unknown> => {
      if (!/^[\w-]+$/.test(p.patientId)) throw new ValidationError(`Expected a patient id of letters, digits and dashes, got ${JSON.stringify(p.patientId)}`, { code: "invalid_patient_id" });
      try {
        return JSON.parse(await readFile(join(p.dataDir ?? SAMPLES, p.patientId, file), "utf8"));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT") return null;
        if (e instanceof SyntaxError) throw new ValidationError(`The ${file} of patient ${p.patientId} is not valid JSON`, { code: "corrupt_source", cause: e });
        throw new TransientError(`Reading the ${file} of patient ${p.patientId} failed (${code ?? "unknown"})`, { code: "source_unavailable", cause: e });
      }
    },
    { retry: { maxRetries: 2, initialDelay: "200ms" } },
  );
}

export interface LabResult {
  test: string;
  value: number;
  unit: string;
}

/** mg/dL to mmol/L, per analyte. */
const TO_MMOL: Record<string, number> = { "Fasting glucose": 1 / 18.016, "LDL cholesterol": 1 / 38.67 };
const CREATININE_UMOL = 88.42;

export function normalizeLabs(labs: LabResult[] | null): LabResult[] | null {
  if (labs === null) return null;
  return labs.map((l) => {
    if (l.unit === "mg/dL" && TO_MMOL[l.test]) return { test: l.test, value: round(l.value * TO_MMOL[l.test]!, 1), unit: "mmol/L" };
    if (l.unit === "mg/dL" && l.test === "Creatinine") return { test: l.test, value: round(l.value * CREATININE_UMOL, 0), unit: "umol/L" };
    return l;
  });
}

const DRUG_CLASSES: Record<string, string> = {
  metformin: "biguanide (antidiabetic)",
  insulin: "insulin (antidiabetic)",
  lisinopril: "ACE inhibitor (antihypertensive)",
  amlodipine: "calcium channel blocker (antihypertensive)",
  atorvastatin: "statin (lipid-lowering)",
  simvastatin: "statin (lipid-lowering)",
};

export function categorizeMedications(meds: { name: string; dose: string; frequency: string }[] | null) {
  if (meds === null) return null;
  return meds.map((m) => ({ ...m, class: DRUG_CLASSES[m.name.toLowerCase()] ?? "unclassified" }));
}

export function summarizeVitals(vitals: { at: string; systolic: number; diastolic: number; pulse: number; weightKg: number }[] | null) {
  if (vitals === null || vitals.length === 0) return null;
  const avg = (k: "systolic" | "diastolic" | "pulse") => round(vitals.reduce((s, v) => s + v[k], 0) / vitals.length, 0);
  const systolic = avg("systolic");
  const diastolic = avg("diastolic");
  return {
    readings: vitals.length,
    bloodPressure: `${systolic}/${diastolic}`,
    pulse: avg("pulse"),
    weightTrendKg: round(vitals.at(-1)!.weightKg - vitals[0]!.weightKg, 1),
    hypertensive: systolic >= 140 || diastolic >= 90,
  };
}

export function summarizeHistory(history: { born: string; conditions: { name: string; since: string }[]; allergies: string[] } | null, today = "2026-11-25") {
  if (history === null) return null;
  const age = Number(today.slice(0, 4)) - Number(history.born.slice(0, 4)) - (today.slice(5) < history.born.slice(5) ? 1 : 0);
  return { age, conditions: history.conditions.map((c) => `${c.name} (since ${c.since})`), allergies: history.allergies };
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export type Gathered = {
  patientId: string;
  data: {
    labs: ReturnType<typeof normalizeLabs>;
    meds: ReturnType<typeof categorizeMedications>;
    vitals: ReturnType<typeof summarizeVitals>;
    history: ReturnType<typeof summarizeHistory>;
  };
  /** The share of sources present, 0 to 1. */
  quality: number;
};

export const patientDataGathering = workflow(
  "PatientDataGathering",
  parallel(
    "PatientDataGathering",
    {
      labs: sequence("labs", [fetchSource("FetchLabResults", "labs.json"), step("NormalizeLabData", normalizeLabs as (x: unknown) => ReturnType<typeof normalizeLabs>)]),
      meds: sequence("meds", [fetchSource("FetchMedications", "medications.json"), step("CategorizeMedications", categorizeMedications as (x: unknown) => ReturnType<typeof categorizeMedications>)]),
      vitals: sequence("vitals", [fetchSource("FetchVitals", "vitals.json"), step("SummarizeVitals", summarizeVitals as (x: unknown) => ReturnType<typeof summarizeVitals>)]),
      history: sequence("history", [fetchSource("FetchHistory", "history.json"), step("SummarizeHistory", (h: unknown) => summarizeHistory(h as Parameters<typeof summarizeHistory>[0]))]),
    },
    {
      maxConcurrency: 5,
      combine: (data, p: PatientRef): Gathered => ({
        patientId: p.patientId,
        data,
        quality: Object.values(data).filter((v) => v !== null).length / 4,
      }),
    },
  ),
  { input: z.object({ patientId: z.string().min(1), dataDir: z.string().optional() }), version: "1" },
);

export default patientDataGathering;
