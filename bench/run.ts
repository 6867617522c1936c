// `npm run bench`: runs the scenarios and prints one Markdown table, every
// stepchart figure next to its baselines measured in the same run; the raw
// figures go to bench/results.json. A benchmark, not a test: it never fails.
import { writeFileSync } from "node:fs";
import { fmt, fmtStats, type Stats } from "./measure.js";
import { s1, S1_RUNS, S1_STEPS } from "./scenarios/s1-sequential.js";
import { s2, S2_BRANCHES, S2_LIMIT } from "./scenarios/s2-fan-out.js";
import { s6 } from "./scenarios/s6-durable.js";
import { s3, S3_RUNS } from "./scenarios/s3-throughput.js";
import { s4, s5 } from "./scenarios/s4-s5-retry-saga.js";
import { compileTimes } from "./scenarios/compile-time.js";

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

console.error(`S3 throughput: ${S3_RUNS} ten-step workflows in flight at once…`);
const r3 = await s3();
results.s3 = r3;
for (const [name, f] of [
  ["plain async/await (floor)", r3.plain],
  ["hand-written XState (baseline)", r3.xstate],
  ["stepchart sequence", r3.stepchart],
] as const) {
  rows.push([`S3 ${S3_RUNS.toLocaleString("en")} workflows in flight`, name, `${fmt(f.totalMs / 1000, 2)} s total`, `${fmt(f.peakHeapBytesPerRun / 1024, 1)} KB peak heap/run`, `${fmt(f.totalMs / r3.plain.totalMs, 0)}x`, `${fmt(f.totalMs / r3.xstate.totalMs, 2)}x`]);
}

console.error("S4 retry and S5 saga…");
const r4 = await s4();
results.s4 = r4;
rows.push(["S4 retry: fails twice, then succeeds (no backoff)", "plain async retry loop (floor)", `${fmtStats(r4.plain, 1)} µs/workflow`, "", "1.00x", ""]);
rows.push(["S4 retry: fails twice, then succeeds (no backoff)", "stepchart retry", `${fmtStats(r4.stepchart, 1)} µs/workflow`, "3 attempts, 2 durable timers", ratio(r4.stepchart, r4.plain), ""]);
const r5 = await s5();
results.s5 = r5;
rows.push(["S5 saga: 5 steps, the last fails, 4 compensated", "plain async try/catch (floor)", `${fmtStats(r5.plain, 1)} µs/workflow`, "", "1.00x", ""]);
rows.push(["S5 saga: 5 steps, the last fails, 4 compensated", "hand-written XState (baseline)", `${fmtStats(r5.xstate, 0)} µs/workflow`, "", ratio(r5.xstate, r5.plain), "1.00x"]);
rows.push(["S5 saga: 5 steps, the last fails, 4 compensated", "stepchart saga", `${fmtStats(r5.stepchart, 0)} µs/workflow`, "", ratio(r5.stepchart, r5.plain), ratio(r5.stepchart, r5.xstate)]);

console.error("Compile times…");
const rc = await compileTimes();
results.compile = rc;
for (const [name, s] of Object.entries(rc)) rows.push(["compile()", name, `${fmtStats(s, 1)} ms`, "", "", ""]);

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
