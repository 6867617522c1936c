// `npm start`: ingests the sample documents through the document ingestion
// workflow on the embedded SQLite store (.stepchart/), with live progress,
// then prints what happened. Each document's run id is the hash of its
// content, so running the demo again finds its runs done and stores nothing twice.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { createEngine, sqliteStore, systemClock, type WorkflowFailed } from "stepchart";
import { progressReporter } from "../src/cli/progress.js";
import { closeDataforge, dataforgePath, search } from "./dataforge/database.js";
import { countRows, documentIngestion, type Ingested } from "./document-ingestion.js";

const folder = fileURLToPath(new URL("./samples/documents/", import.meta.url));
const files = readdirSync(folder).filter((f) => f.endsWith(".txt")).sort();
const progress = progressReporter({ out: process.stdout, clock: systemClock, showRunId: true });
const engine = createEngine({ workflows: [documentIngestion], store: sqliteStore(".stepchart/stepchart.db"), log: () => undefined, inspect: progress.inspect });

console.log(`Ingesting ${files.length} documents from machines/samples/documents into ${relative(process.cwd(), dataforgePath())}\n`);
const runs = files.map((file) => {
  const path = join(folder, file);
  const runId = `ingest-${createHash("sha256").update(readFileSync(path)).digest("hex").slice(0, 12)}`;
  return { file, path, runId };
});
let again = 0;
for (const r of runs) {
  const { created } = await engine.start("DocumentIngestion", { path: relative(process.cwd(), r.path) }, { runId: r.runId });
  if (!created) again++;
}
const outcomes = await Promise.all(
  runs.map(async (r) => ({
    ...r,
    outcome: await engine.result(r.runId).then(
      (output) => ({ ok: true as const, output: output as Ingested }),
      (error: WorkflowFailed) => ({ ok: false as const, error }),
    ),
  })),
);
progress.stop();
await engine.close();

console.log("\nResults:");
for (const { file, outcome } of outcomes) {
  if (outcome.ok) {
    const o = outcome.output;
    const note = o.status === "manual" ? `  (entities rolled back: ${o.problems.join("; ")})` : "";
    console.log(`  ${file.padEnd(24)} ${o.type.padEnd(9)} ${o.confidence.toFixed(3)}  ${o.status.padEnd(7)} ${String(o.entities).padStart(2)} entities${note}`);
  } else {
    console.log(`  ${file.padEnd(24)} rejected at ${outcome.error.step}: ${outcome.error.cause.message}`);
  }
}
const stored = outcomes.filter((o) => o.outcome.ok && o.outcome.output.status === "stored").length;
const manual = outcomes.filter((o) => o.outcome.ok && o.outcome.output.status === "manual").length;
const rejected = outcomes.filter((o) => !o.outcome.ok).length;
console.log(
  `\n${stored} stored, ${manual} flagged for manual processing (their entities compensated), ${rejected} rejected (no records created)` +
    (again > 0 ? `; ${again} of ${runs.length} were ingested by an earlier run and not processed again` : ""),
);
console.log(`The database holds ${countRows("documents")} documents, ${countRows("entities")} entities, ${countRows("documents_fts")} indexed for search.`);
const hits = search("invoice");
console.log(`\nSearch the index:   npm run search -- invoice      (${hits.length} hit${hits.length === 1 ? "" : "s"} now)`);
console.log("See the workflow:   visualizations/DocumentIngestion.md (Mermaid) and .svg; npm run viz redraws them");
console.log("See the runs:       npx stepchart list --store .stepchart/stepchart.db");
closeDataforge();
