// Report generation: the combined workflow of the seed. The gathering phase
// is the patient data gathering workflow (a child workflow); the analysis
// phase chooses by data quality; the review phase waits up to 48 hours for a
// physician's approval (no answer: the on-call physician signs off, and the
// report says so); then the report is written.
import { choose, sequence, step, waitFor, workflow } from "stepchart";
import { z } from "zod";
import { patientDataGathering, type Gathered } from "./patient-data-gathering.js";

export interface Findings {
  patientId: string;
  analysis: "full" | "partial" | "insufficient";
  findings: string[];
  missing: string[];
}

function findings(g: Gathered): string[] {
  const out: string[] = [];
  const lab = (test: string) => g.data.labs?.find((l) => l.test === test);
  const a1c = lab("HbA1c");
  if (a1c && a1c.value >= 6.5) out.push(`HbA1c ${a1c.value}%: diabetes not controlled (target < 6.5%)`);
  const glucose = lab("Fasting glucose");
  if (glucose && glucose.unit === "mmol/L" && glucose.value >= 7) out.push(`fasting glucose ${glucose.value} mmol/L: above 7.0`);
  const ldl = lab("LDL cholesterol");
  if (ldl && ldl.value >= 3) out.push(`LDL ${ldl.value} mmol/L: above 3.0`);
  if (g.data.vitals?.hypertensive) out.push(`average blood pressure ${g.data.vitals.bloodPressure}: hypertensive`);
  const onStatin = g.data.meds?.some((m) => m.class.startsWith("statin"));
  if (ldl && ldl.value >= 3 && onStatin) out.push("LDL above target despite a statin: review the dose");
  if (out.length === 0) out.push("no findings outside the reference ranges");
  return out;
}

const missing = (g: Gathered) => Object.entries(g.data).filter(([, v]) => v === null).map(([k]) => k);

const analysis = choose(
  "Analysis",
  [
    { when: (g: Gathered) => g.quality === 1, then: step("FullAnalysis", (g: Gathered): Findings => ({ patientId: g.patientId, analysis: "full", findings: findings(g), missing: [] })), label: "all four sources" },
    {
      when: (g: Gathered) => g.quality >= 0.5,
      then: step("PartialAnalysis", (g: Gathered): Findings => ({ patientId: g.patientId, analysis: "partial", findings: findings(g), missing: missing(g) })),
      label: "quality >= 0.5",
    },
  ],
  step("RequestMoreData", (g: Gathered): Findings => ({ patientId: g.patientId, analysis: "insufficient", findings: [], missing: missing(g) })),
);

const review = waitFor("PhysicianReview", "APPROVE", {
  timeout: "48h",
  schema: z.object({ physician: z.string().min(1), notes: z.string().optional() }),
  onTimeout: step("OnCallSignOff", (f: Findings) => ({ ...f, physician: "on-call", notes: "no review within 48 hours: signed off by the on-call physician" })),
});

const report = step("GenerateReport", (r: Findings & { physician: string; notes?: string }) => {
  const lines = [
    `# Patient report ${r.patientId}`,
    "",
    `Analysis: ${r.analysis}${r.missing.length ? ` (missing: ${r.missing.join(", ")})` : ""}`,
    "",
    ...r.findings.map((f) => `- ${f}`),
    "",
    `Reviewed by ${r.physician}${r.notes ? `: ${r.notes}` : ""}`,
  ];
  return { patientId: r.patientId, analysis: r.analysis, reviewedBy: r.physician, report: lines.join("\n") };
});

export const reportGeneration = workflow("ReportGeneration", sequence("ReportGeneration", [patientDataGathering, analysis, review, report]), {
  input: z.object({ patientId: z.string().min(1), dataDir: z.string().optional() }),
  version: "1",
});

export default reportGeneration;
