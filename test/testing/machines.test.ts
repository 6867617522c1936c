// Every machine in machines/, path by path: each path of its projection is
// replayed on the real compiled machine with scripted steps (no database, no
// files, no model), and the invariants are checked on it.
import { afterAll, describe, expect, it } from "vitest";
import { testEveryPath } from "../../src/testing/index.js";
import { approvalRouting } from "../../machines/approval-routing.js";
import { documentIngestion } from "../../machines/document-ingestion.js";
import { patientDataGathering } from "../../machines/patient-data-gathering.js";
import { reportGeneration } from "../../machines/report-generation.js";

describe("approval routing, every path", () => {
  const cases = testEveryPath(approvalRouting, it);
  afterAll(() => {
    // Only cancelling, an input the schema refuses, a case that throws and a merge that throws are never taken.
    expect(cases.coverage().states.missed).toEqual(["ApprovalRouting.$cancelling", "ApprovalRouting.$cancelled"]);
  });
});

describe("document ingestion, every path", () => {
  const cases = testEveryPath(documentIngestion, it, { compensable: ["StoreEntities", "IndexDocument"] });
  afterAll(() => {
    // One failure per path: the recovery failing after a failure is a second one.
    expect(cases.coverage().transitions.missed).toContain(
      "DocumentIngestion.DocumentIngestion.Extraction.$recover → DocumentIngestion.$failed on stepchart.error.DocumentIngestion.Extraction.$recover",
    );
  });
});

describe("patient data gathering, every path", () => {
  const cases = testEveryPath(patientDataGathering, it);
  afterAll(() => {
    expect(cases.coverage().states.missed).toEqual(["PatientDataGathering.$cancelling", "PatientDataGathering.$cancelled"]);
  });
});

describe("report generation, every path", () => {
  testEveryPath(reportGeneration, it);
});
