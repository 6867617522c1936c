// `npm run soak [-- --runs 2000 --crashes 3]`: thousands of runs mixing every
// pattern, with failures of every category, on an engine process that is
// killed with SIGKILL at random moments and started again. At the end every
// run must have ended, with the outcome an uninterrupted run has, and the
// store must pass an integrity check. Bounded: the count is fixed and each
// worker is killed after a random number of step attempts.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { sqliteStore, start, type Flow } from "stepchart";
import { apply, type Op } from "../../src/engine/patch.js";
import { TestClock } from "../../src/testing/index.js";
import { soakWorkflows, WORKFLOW_NAMES } from "./workflows.js";

const { values } = parseArgs({ options: { runs: { type: "string", default: "2000" }, crashes: { type: "string", default: "3" }, seed: { type: "string", default: "7" } } });
const RUNS = Number(values.runs);
const CRASHES = Number(values.crashes);
let seed = Number(values.seed);
const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);

const dir = mkdtempSync(join(tmpdir(), "stepchart-soak-"));
const dbPath = join(dir, "soak.db");
const runsPath = join(dir, "runs.json");
const logPath = join(dir, "steps.log");
const runs = Array.from({ length: RUNS }, (_, i) => ({ runId: `soak-${i}`, workflow: WORKFLOW_NAMES[i % WORKFLOW_NAMES.length]!, input: Math.floor(random() * 200) - 100 }));
writeFileSync(runsPath, JSON.stringify(runs));
writeFileSync(logPath, "");

async function expected(): Promise<Record<string, unknown>> {
  const flows = new Map(soakWorkflows().map((f) => [f.name, f] as [string, Flow]));
  const out: Record<string, unknown> = {};
  for (let i = 0; i < runs.length; i += 100) {
    await Promise.all(
      runs.slice(i, i + 100).map(async (r) => {
        const clock = new TestClock();
        const handle = start(flows.get(r.workflow)!, r.input as never, { runId: r.runId, clock, log: () => undefined });
        let settled = false;
        const outcome = handle.result.then(
          (output) => ({ output }),
          (e: { name: string; step?: string; category?: string }) => ({ error: e.name, step: e.step, category: e.category }),
        );
        void outcome.then(() => (settled = true));
        while (!settled) {
          if (handle.waitingFor().includes("ANSWER")) handle.send({ type: "ANSWER", n: r.runId.length });
          await clock.advance(5);
        }
        out[r.runId] = await outcome;
      }),
    );
  }
  return out;
}

function attempt(killAfterSteps: number | undefined): Promise<{ killed: boolean; stdout: string }> {
  return new Promise((resolve, reject) => {
    const linesBefore = readFileSync(logPath, "utf8").split("\n").length;
    const child = spawn(process.execPath, ["--import", "tsx", new URL("./worker.ts", import.meta.url).pathname, dbPath, runsPath, logPath], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let killed = false;
    const watch = setInterval(() => {
      if (killAfterSteps === undefined || killed) return;
      if (readFileSync(logPath, "utf8").split("\n").length - linesBefore >= killAfterSteps) {
        killed = true;
        child.kill("SIGKILL");
      }
    }, 5);
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (code, signal) => {
      clearInterval(watch);
      if (signal === "SIGKILL") resolve({ killed: true, stdout });
      else if (code !== 0) reject(new Error(`the worker exited ${code}: ${stderr}`));
      else resolve({ killed, stdout });
    });
  });
}

/** Every run ended; every journal is contiguous; every stored state rebuilds and agrees with the run's status. */
async function integrity(): Promise<string[]> {
  const store = sqliteStore(dbPath);
  const problems: string[] = [];
  const records = await store.listRuns({ limit: Number.MAX_SAFE_INTEGER });
  if (records.length !== RUNS) problems.push(`${records.length} runs stored, ${RUNS} started`);
  for (const record of records) {
    if (!["done", "failed", "cancelled"].includes(record.status)) problems.push(`${record.runId} has not ended (${record.status})`);
    const journal = await store.journal(record.runId);
    journal.forEach((e, i) => {
      if (e.seq !== i + 1) problems.push(`${record.runId}: journal entry ${i + 1} has seq ${e.seq}`);
    });
    const loaded = await store.loadRun(record.runId);
    try {
      let doc = JSON.parse(loaded!.snapshot!.data) as { status?: string };
      for (const e of loaded!.journal) doc = apply(doc, JSON.parse(e.ops) as Op[]) as { status?: string };
      if (doc.status !== "done") problems.push(`${record.runId}: its rebuilt state is ${doc.status}, not done`);
    } catch (e) {
      problems.push(`${record.runId}: its stored state does not rebuild (${(e as Error).message})`);
    }
  }
  await store.close();
  return problems;
}

const t = performance.now();
const want = await expected();
let crashes = 0;
let finished: { stdout: string } | undefined;
while (!finished) {
  const killAt = crashes < CRASHES ? 50 + Math.floor(random() * 1500) : undefined;
  const result = await attempt(killAt);
  if (result.killed) crashes++;
  else finished = result;
}
const got = JSON.parse(finished.stdout) as Record<string, unknown>;
const mismatches = runs.filter((r) => JSON.stringify(got[r.runId]) !== JSON.stringify(want[r.runId]));
const problems = await integrity();
const attempts = readFileSync(logPath, "utf8").trim().split("\n");
const repeated = attempts.length - new Set(attempts).size;
console.log(`soak: ${RUNS} runs, ${crashes} crashes (SIGKILL), ${((performance.now() - t) / 1000).toFixed(1)} s`);
console.log(`  step attempts ${attempts.length}, run again after a crash ${repeated}`);
console.log(`  outcomes differing from an uninterrupted run: ${mismatches.length}`);
for (const r of mismatches.slice(0, 5)) console.log(`    ${r.runId}: got ${JSON.stringify(got[r.runId])}, want ${JSON.stringify(want[r.runId])}`);
console.log(`  integrity problems: ${problems.length}`);
for (const p of problems.slice(0, 5)) console.log(`    ${p}`);
process.exitCode = mismatches.length + problems.length === 0 ? 0 : 1;
