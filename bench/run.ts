// `npm run bench`: runs the scenarios and prints one Markdown table, every
// stepchart figure next to its baselines measured in the same run; the raw
// figures go to bench/results.json. A benchmark, not a test: it never fails.
import { writeFileSync } from "node:fs";
import { fmt, fmtStats, type Stats } from "./measure.js";
import { s1, S1_RUNS, S1_STEPS } from "./scenarios/s1-sequential.js";
import { s2, S2_BRANCHES, S2_LIMIT } from "./scenarios/s2-fan-out.js";
import { s6 } from "./scenarios/s6-durable.js";

type Row = [scenario: string, contender: string, figure: string, perUnit: string, vsFloor: string, vsBaseline: string];
const rows: Row[] = [];
const results: Record<string, unknown> = { node: process.version, date: new Date().toISOString() };
const ratio = (a: Stats, b: Stats) => `${fmt(a.median / b.median, 2)}x`;

console.error(`S1 sequential: ${S1_STEPS} trivial async steps, ${S1_RUNS} runs back to back…`);
const r1 = await s1();
results.s1 = r1;
{
  const { plain, xstate, stepchart } = r1.perWorkflowUs;
  for (const [name, s] of [
    ["plain async/await (floor)", plain],
    ["hand-written XState, one invoked promise actor per step (baseline)", xstate],
    ["stepchart sequence", stepchart],
  ] as const) {
    rows.push(["S1 sequential, 10 steps", name, `${fmtStats(s)} µs/workflow`, `${fmt(s.median / S1_STEPS)} µs/step`, ratio(s, plain), ratio(s, xstate)]);
  }
}

console.error(`S2 fan-out: ${S2_BRANCHES} branches, at most ${S2_LIMIT} at once, 1 ms each…`);
const r2 = await s2();
results.s2 = r2;
{
  const { plain, pLimit, parallel, map } = r2.wallMs;
  const overhead = (s: Stats) => `${fmt(((s.median - plain.median) * 1000) / S2_BRANCHES, 1)} µs/branch over plain`;
  for (const [name, s] of [
    ["plain async, hand-written limit (floor)", plain],
    ["p-limit (baseline)", pLimit],
    ["stepchart parallel (one region per branch)", parallel],
    ["stepchart map (window of child actors)", map],
  ] as const) {
    rows.push([`S2 fan-out ${S2_BRANCHES}×1 ms, limit ${S2_LIMIT}`, name, `${fmtStats(s, 1)} ms wall`, s === plain ? `timer floor ${r2.wallMs.floor} ms` : overhead(s), ratio(s, plain), ratio(s, pLimit)]);
  }
}

console.error("S6 durable: SQLite per step, bytes per step, idle runs, resuming…");
const r6 = await s6();
results.s6 = r6;
for (const [mode, { raw, stepchart }] of Object.entries(r6.perStepUs)) {
  rows.push([`S6 durable, SQLite WAL ${mode}`, "one raw insert per step (floor)", `${fmtStats(raw, 1)} µs/step`, "", "1.00x", ""]);
  rows.push([`S6 durable, SQLite WAL ${mode}`, "stepchart engine, 10-step workflow", `${fmtStats(stepchart, 1)} µs/step`, "", ratio(stepchart, raw), ""]);
}
for (const [steps, b] of Object.entries(r6.bytesPerStep)) {
  rows.push([`S6 persisted bytes, ${steps}-step run`, "stepchart engine", `${fmt(b.journal, 0)} B/step journal`, `${fmt(b.total, 0)} B/step with snapshot`, "", ""]);
}
rows.push(["S6 idle runs", "10,000 runs waiting for an event", `${fmt(r6.idleHeapBytesPerRun, 0)} B heap/run`, "written down and dropped from memory", "", ""]);
rows.push(["S6 restart", "resume 1,000 unfinished runs", `${fmtStats(r6.resume1000Ms, 0)} ms`, "", "", ""]);

console.log(`\nNode ${process.version}; medians (min–max) over several rounds after warm-up rounds\n`);
console.log("| scenario | contender | median (min–max) | per unit | vs floor | vs baseline |");
console.log("|---|---|---|---|---|---|");
for (const row of rows) console.log(`| ${row.join(" | ")} |`);
writeFileSync(new URL("./results.json", import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
