// Document ingestion (DataForge): read, classify, extract entities, then
// accept, queue for review or flag for manual processing by type and confidence.
import { readFileSync } from "node:fs";
import { choose, sequence, step, workflow } from "stepchart";
import { z } from "zod";
import { readTextFile, type FileText } from "../steps/read-file.js";
import { NaiveBayes, type Labelled } from "./text/classifier.js";
import { extractEntities, type Entities } from "./text/entities.js";

const samples = JSON.parse(readFileSync(new URL("./samples/labelled.json", import.meta.url), "utf8")) as Labelled[];
const classifier = new NaiveBayes(samples);

export interface Classified extends FileText {
  type: string;
  confidence: number;
}

export interface Extracted extends Classified {
  entities: Entities;
}

export interface Ingested {
  path: string;
  type: string;
  confidence: number;
  entities: Entities;
  decision: "accepted" | "review" | "manual";
}

const classify = step("ClassifyDocument", (doc: FileText): Classified => {
  const { label, confidence } = classifier.classify(doc.text);
  return { ...doc, type: label, confidence };
});

const extract = step("ExtractEntities", (doc: Classified): Extracted => ({ ...doc, entities: extractEntities(doc.text) }));

const decide = (decision: Ingested["decision"]) => (doc: Extracted): Ingested => ({
  path: doc.path,
  type: doc.type,
  confidence: Math.round(doc.confidence * 1000) / 1000,
  entities: doc.entities,
  decision,
});

export const documentIngestion = workflow(
  "DocumentIngestion",
  sequence("DocumentIngestion", [
    readTextFile("ReceiveDocument"),
    classify,
    extract,
    choose(
      "RouteByConfidence",
      [
        { when: (d: Extracted) => d.type !== "other" && d.confidence >= 0.9, then: step("Accept", decide("accepted")), label: "known type, confidence >= 0.9" },
        { when: (d: Extracted) => d.type !== "other" && d.confidence >= 0.6, then: step("QueueForReview", decide("review")), label: "known type, confidence >= 0.6" },
      ],
      step("FlagForManualProcessing", decide("manual")),
    ),
  ]),
  { input: z.object({ path: z.string().min(1) }), version: "1" },
);

export default documentIngestion;
