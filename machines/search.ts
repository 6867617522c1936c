// `npm run search -- <words>`: full-text search over the documents the demo indexed.
import { closeDataforge, search } from "./dataforge/database.js";

const terms = process.argv.slice(2).join(" ");
if (!terms) {
  console.error("Usage: npm run search -- <words>");
  process.exitCode = 2;
} else {
  const hits = search(terms);
  if (hits.length === 0) console.log(`no document matches "${terms}"`);
  for (const h of hits) console.log(`${h.docId}  ${h.type.padEnd(9)} ${h.snippet.replace(/\s+/g, " ")}`);
  closeDataforge();
}
