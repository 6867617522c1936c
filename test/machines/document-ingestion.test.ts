// DataForge document ingestion end to end, on a database of its own. The
// seed's rules are tests here: a failed classification creates no records; a
// partial extraction rolls back the stored entities and marks the document
// for manual processing.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngine, memoryStore, run } from "../../src/index.js";
import { closeDataforge, dataforgeDb, search } from "../../machines/dataforge/database.js";
import { documentIngestion } from "../../machines/document-ingestion.js";
import { extractEntities } from "../../machines/text/entities.js";

const docs = fileURLToPath(new URL("../../machines/samples/documents/", import.meta.url));
const quiet = { log: () => undefined };
const rows = (sql: string, ...params: unknown[]) => dataforgeDb().prepare(sql).all(...params) as Record<string, unknown>[];

beforeAll(() => {
  process.env.STEPCHART_DATAFORGE_DB = join(mkdtempSync(join(tmpdir(), "dataforge-")), "dataforge.db");
});
afterAll(() => closeDataforge());

describe("document ingestion", () => {
  it("stores an invoice with its entities and indexes it for search", async () => {
    const out = await run(documentIngestion, { path: join(docs, "invoice-1042.txt") }, quiet);
    expect(out).toMatchObject({ type: "invoice", status: "stored", entities: 8, problems: [] });
    expect(rows("SELECT status FROM documents WHERE id = ?", out.docId)).toEqual([{ status: "stored" }]);
    expect(rows("SELECT value FROM entities WHERE doc_id = ? AND kind = 'total'", out.docId)).toEqual([{ value: "EUR 642.00" }]);
    expect(search("bank transfer").map((h) => h.docId)).toContain(out.docId);
  });

  it.each([
    ["service-agreement.txt", "contract", ["Acme Analytics GmbH", "Contoso Clinics"]],
    ["lab-report.txt", "medical", []],
  ])("stores %s as a %s", async (file, type, parties) => {
    const out = await run(documentIngestion, { path: join(docs, file) }, quiet);
    expect([out.type, out.status]).toEqual([type, "stored"]);
    expect(rows("SELECT value FROM entities WHERE doc_id = ? AND kind = 'party' ORDER BY value", out.docId).map((r) => r.value)).toEqual(parties);
  });

  it("creates no database records when classification fails", async () => {
    const before = rows("SELECT count(*) AS n FROM documents")[0]!.n;
    const error: any = await run(documentIngestion, { path: join(docs, "note.txt") }, quiet).catch((e) => e);
    expect(error.step).toBe("DocumentIngestion.ClassifyDocument");
    expect([error.category, error.cause.code]).toEqual(["validation", "unclassifiable"]);
    expect(rows("SELECT count(*) AS n FROM documents")[0]!.n).toBe(before);
    expect(rows("SELECT count(*) AS n FROM documents WHERE path LIKE '%note.txt'")[0]!.n).toBe(0);
  });

  it("rolls back the stored entities of a partial extraction and marks the document for manual processing", async () => {
    const out = await run(documentIngestion, { path: join(docs, "invoice-1043.txt") }, quiet);
    expect(out.status).toBe("manual");
    expect(out.problems).toEqual([
      "subtotal EUR 535.00 + VAT EUR 103.00 is not the total EUR 642.00",
      "the 2 line amounts add up to 515.00, not the subtotal EUR 535.00",
    ]);
    expect(rows("SELECT count(*) AS n FROM entities WHERE doc_id = ?", out.docId)).toEqual([{ n: 0 }]);
    expect(rows("SELECT status, reason FROM documents WHERE id = ?", out.docId)).toEqual([{ status: "manual", reason: out.problems.join("; ") }]);
    expect(search("Reagent")).toEqual([]);
  });

  it("stores nothing twice when a document is ingested again", async () => {
    const path = join(docs, "invoice-1042.txt");
    const first = await run(documentIngestion, { path }, quiet);
    const count = () => rows("SELECT count(*) AS n FROM entities WHERE doc_id = ?", first.docId)[0]!.n;
    const entities = count();
    await run(documentIngestion, { path }, quiet);
    expect(count()).toBe(entities);
    expect(rows("SELECT count(*) AS n FROM documents WHERE id = ?", first.docId)).toEqual([{ n: 1 }]);
  });

  it("fails with a validation error at ReadDocument when the file does not exist", async () => {
    const error: any = await run(documentIngestion, { path: join(docs, "missing.txt") }, quiet).catch((e) => e);
    expect(error.step).toBe("DocumentIngestion.Receive.ReadDocument");
    expect([error.category, error.cause.code]).toEqual(["validation", "file_not_found"]);
  });

  it("runs on the durable engine and reports the same outcome", async () => {
    const engine = createEngine({ workflows: [documentIngestion], store: memoryStore(), ...quiet });
    const { runId } = await engine.start("DocumentIngestion", { path: join(docs, "lab-report.txt") });
    expect(await engine.result(runId)).toMatchObject({ type: "medical", status: "stored" });
    await engine.close();
  });

  it("ignores dates that do not exist and reads thousands separators", () => {
    const e = extractEntities("due 2026-02-30 or 2026-02-28, fee EUR 4,000.00");
    expect(e.dates).toEqual(["2026-02-28"]);
    expect(e.amounts).toEqual([{ currency: "EUR", value: 4000 }]);
  });
});
