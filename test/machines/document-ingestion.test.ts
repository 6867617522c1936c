import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { run } from "../../src/index.js";
import { documentIngestion } from "../../machines/document-ingestion.js";
import { extractEntities } from "../../machines/text/entities.js";

const docs = fileURLToPath(new URL("../../machines/samples/documents/", import.meta.url));

describe("document ingestion", () => {
  it.each([
    ["invoice-1042.txt", "invoice", "accepted"],
    ["service-agreement.txt", "contract", "accepted"],
    ["lab-report.txt", "medical", "accepted"],
    ["note.txt", "other", "manual"],
  ])("classifies %s as %s and decides %s", async (file, type, decision) => {
    const out = await run(documentIngestion, { path: join(docs, file) });
    expect(out.type).toBe(type);
    expect(out.decision).toBe(decision);
  });

  it("extracts the invoice's dates, amounts and e-mail address", async () => {
    const out = await run(documentIngestion, { path: join(docs, "invoice-1042.txt") });
    expect(out.entities.dates).toEqual(["2026-10-03", "2026-11-02"]);
    expect(out.entities.emails).toEqual(["accounts@contoso-clinics.example"]);
    expect(out.entities.amounts).toContainEqual({ currency: "EUR", value: 642 });
  });

  it("fails with a validation error at ReceiveDocument when the file does not exist", async () => {
    const error = await run(documentIngestion, { path: join(docs, "missing.txt") }).catch((e) => e);
    expect(error.step).toBe("DocumentIngestion.ReceiveDocument");
    expect(error.category).toBe("validation");
    expect(error.cause.code).toBe("file_not_found");
  });

  it("ignores dates that do not exist and reads thousands separators", () => {
    const e = extractEntities("due 2026-02-30 or 2026-02-28, fee EUR 4,000.00");
    expect(e.dates).toEqual(["2026-02-28"]);
    expect(e.amounts).toEqual([{ currency: "EUR", value: 4000 }]);
  });
});
