// `npm run bench`: runs the scenarios and prints one Markdown table, every
// stepchart figure next to its baselines measured in the same run; the raw
// figures go to bench/results.json. A benchmark, not a test: it never fails.
import { writeFileSync } from "node:fs";
import { fmt, fmtStats } from "./measure.js";
import { s1, S1_RUNS, S1_STEPS } from "./scenarios/s1-sequential.js";

const rows: string[][] = [];
const results: Record<string, unknown> = { node: process.version, date: new Date().toISOString() };

console.error(`S1 sequential: ${S1_STEPS} trivial async steps, ${S1_RUNS} runs back to back, per round…`);
const r1 = await s1();
results.s1 = r1;
const { plain, xstate, stepchart } = r1.perWorkflowUs;
const perStep = (us: number) => us / S1_STEPS;
for (const [name, s] of [
  ["plain async/await (floor)", plain],
  ["hand-written XState, one invoked promise actor per step", xstate],
  ["stepchart", stepchart],
] as const) {
  rows.push([
    "S1 sequential",
    name,
    fmtStats(s),
    fmt(perStep(s.median)),
    `${fmt(s.median / plain.median, 1)}x`,
    `${fmt(s.median / xstate.median, 2)}x`,
  ]);
}

console.log(`\nNode ${process.version}, medians (min–max) of 7 rounds after 2 warm-up rounds\n`);
console.log("| scenario | contender | µs per workflow | µs per step | vs plain | vs hand-written XState |");
console.log("|---|---|---|---|---|---|");
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
writeFileSync(new URL("./results.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
