// `npm start`: ingests the sample documents through the document ingestion
// workflow and prints what happened to each.
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { run, WorkflowFailed } from "stepchart";
import { documentIngestion } from "./document-ingestion.js";

const folder = fileURLToPath(new URL("./samples/documents/", import.meta.url));
const files = readdirSync(folder).filter((f) => f.endsWith(".txt")).sort();

console.log(`Ingesting ${files.length} documents from machines/samples/documents\n`);
const counts = { accepted: 0, review: 0, manual: 0, failed: 0 };
for (const file of files) {
  try {
    const out = await run(documentIngestion, { path: join(folder, file) });
    counts[out.decision]++;
    const e = out.entities;
    console.log(
      `  ${file.padEnd(24)} ${out.type.padEnd(9)} ${out.confidence.toFixed(3)}  -> ${out.decision.padEnd(8)}` +
        ` dates ${e.dates.length}, amounts ${e.amounts.length}, emails ${e.emails.length}`,
    );
  } catch (e) {
    counts.failed++;
    console.log(`  ${file.padEnd(24)} failed: ${e instanceof WorkflowFailed ? `${e.step} (${e.category})` : String(e)}`);
  }
}
console.log(`\n${counts.accepted} accepted, ${counts.review} queued for review, ${counts.manual} flagged for manual processing, ${counts.failed} failed`);
console.log("Run one yourself: npx stepchart run machines/document-ingestion.ts --input '{\"path\":\"machines/samples/documents/invoice-1042.txt\"}'");
