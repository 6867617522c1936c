// Document ingestion (DataForge): receive a document, classify it (a naive
// Bayes classifier over labelled samples, or a language model when one is
// configured), store it, extract its entities by type, check them, index the
// document for search. The seed's rules:
// - when classification fails, no database records are created (it happens
//   before anything is stored, and fails the run with a validation error);
// - when extraction partly succeeds, the stored entities are rolled back and
//   the document is marked for manual processing (a saga whose recovery marks it).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { llmRouter, route, saga, sequence, step, ValidationError, LogicError, workflow, type RouteChooser } from "stepchart";
import { z } from "zod";
import { openAICompatible } from "../steps/llm/openai-compatible.js";
import { readTextFile, type FileText } from "../steps/read-file.js";
import { sqliteInsert, type Written } from "../steps/sqlite.js";
import { dataforgeDb } from "./dataforge/database.js";
import { extractContract, extractInvoice, extractMedical, type Extraction } from "./dataforge/extraction.js";
import { NaiveBayes, type Labelled } from "./text/classifier.js";

const samples = JSON.parse(readFileSync(new URL("./samples/labelled.json", import.meta.url), "utf8")) as Labelled[];
const classifier = new NaiveBayes(samples);
/** Below this confidence (or for a document of no known type) classification fails. */
export const MIN_CONFIDENCE = 0.6;

export interface Received extends FileText {
  docId: string;
}

export interface Classified extends Received {
  type: "invoice" | "contract" | "medical";
  confidence: number;
}

type Extracted = Classified & Extraction & Partial<Written>;

export interface Ingested {
  docId: string;
  path: string;
  type: string;
  confidence: number;
  status: "stored" | "manual";
  entities: number;
  problems: string[];
}

const receive = sequence("Receive", [
  readTextFile("ReadDocument"),
  step("Identify", (doc: FileText): Received => ({ ...doc, docId: createHash("sha256").update(doc.text).digest("hex").slice(0, 16) })),
]);

const classify = step("ClassifyDocument", (doc: Received): Classified => {
  const { label, confidence } = classifier.classify(doc.text);
  if (label === "other" || confidence < MIN_CONFIDENCE) {
    throw new ValidationError(
      `Document ${doc.path} could not be classified (best guess "${label}" at ${confidence.toFixed(2)}; needs a known type at ${MIN_CONFIDENCE} or more)`,
      { code: "unclassifiable", details: { label, confidence } },
    );
  }
  return { ...doc, type: label as Classified["type"], confidence: Math.round(confidence * 1000) / 1000 };
});

const db = () => dataforgeDb();

const storeDocument = sqliteInsert("StoreDocument", {
  db,
  table: "documents",
  key: ["id"],
  rows: (d: Classified) => [{ id: d.docId, path: d.path, type: d.type, confidence: d.confidence, status: "processing", reason: null }],
});

const extractWith = (name: string, extract: (text: string) => Extraction) =>
  step(name, (d: Classified): Extracted => ({ ...d, ...extract(d.text) }));

/** Who picks the extraction: the classifier's type, or a language model when STEPCHART_LLM_BASE_URL and STEPCHART_LLM_MODEL are set. */
function chooser(): RouteChooser<Classified> {
  const baseUrl = process.env.STEPCHART_LLM_BASE_URL;
  const model = process.env.STEPCHART_LLM_MODEL;
  if (!baseUrl || !model) return (d) => d.type;
  const llm = openAICompatible({ baseUrl, model, ...(process.env.STEPCHART_LLM_API_KEY ? { apiKey: process.env.STEPCHART_LLM_API_KEY } : {}) });
  return llmRouter<Classified>(llm, { prompt: (d) => `Which kind of business document is this?\n\n${d.text.slice(0, 4000)}` });
}

const extraction = saga(
  "Extraction",
  [
    route("ExtractByType", {
      routes: {
        invoice: extractWith("ExtractInvoice", extractInvoice),
        contract: extractWith("ExtractContract", extractContract),
        medical: extractWith("ExtractLabReport", extractMedical),
      },
      choose: chooser(),
    }),
    sqliteInsert("StoreEntities", {
      db,
      table: "entities",
      key: ["doc_id", "kind", "value"],
      rows: (d: Extracted) => d.entities.map((e) => ({ doc_id: d.docId, kind: e.kind, value: e.value })),
    }),
    step("CheckExtraction", (d: Extracted) => {
      if (d.problems.length > 0) {
        throw new LogicError(`The extraction of ${d.path} is incomplete: ${d.problems.length} problem(s)`, {
          code: "partial_extraction",
          details: { problems: d.problems },
        });
      }
      return d;
    }),
    // FTS5 tables have no keys to upsert on: replace the document's row, and delete it to undo.
    step(
      "IndexDocument",
      (d: Extracted) => {
        db().transaction(() => {
          db().prepare("DELETE FROM documents_fts WHERE doc_id = ?").run(d.docId);
          db().prepare("INSERT INTO documents_fts (doc_id, type, text) VALUES (?, ?, ?)").run(d.docId, d.type, d.text);
        })();
        return d;
      },
      { compensate: (d: Extracted) => void db().prepare("DELETE FROM documents_fts WHERE doc_id = ?").run(d.docId) },
    ),
    step("MarkStored", (d: Extracted): Ingested => {
      db().prepare("UPDATE documents SET status = 'stored', reason = NULL WHERE id = ?").run(d.docId);
      return { docId: d.docId, path: d.path, type: d.type, confidence: d.confidence, status: "stored", entities: d.entities.length, problems: [] };
    }),
  ],
  {
    recover: step(
      "MarkForManualProcessing",
      (info: { input: Classified; error: { code?: string; message: string }; compensation: { ran: string[] } }): Ingested => {
        const problems = problemsOf(info.input, info.error);
        db().prepare("UPDATE documents SET status = 'manual', reason = ? WHERE id = ?").run(problems.join("; "), info.input.docId);
        return { docId: info.input.docId, path: info.input.path, type: info.input.type, confidence: info.input.confidence, status: "manual", entities: 0, problems };
      },
    ),
  },
);

function problemsOf(doc: Classified, error: { code?: string; message: string }): string[] {
  if (error.code === "partial_extraction") {
    const extract = doc.type === "invoice" ? extractInvoice : doc.type === "contract" ? extractContract : extractMedical;
    return extract(doc.text).problems;
  }
  return [error.message];
}

/** The `table` rows a table has, for tests and the demo's summary. */
export function countRows(table: "documents" | "entities" | "documents_fts", where = "1 = 1"): number {
  return (db().prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).get() as { n: number }).n;
}

export const documentIngestion = workflow(
  "DocumentIngestion",
  sequence("DocumentIngestion", [receive, classify, storeDocument, extraction]),
  { input: z.object({ path: z.string().min(1) }), version: "2" },
);

export default documentIngestion;
