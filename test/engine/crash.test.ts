// Crash tests with real processes: a worker runs an engine on SQLite and is
// killed with SIGKILL at random points (after a random number of step starts:
// during steps, sleeps, waits and compensations); a new worker resumes. Every run must
// end with the outcome of an uninterrupted run; a step whose successor has
// started never starts again (completed steps are never re-run), so at most
// the step in flight at a crash repeats.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { run, type Flow } from "../../src/index.js";
import { RUNS, workflows } from "./fixtures/crash-workflows.js";

const WORKER = new URL("./fixtures/crash-worker.ts", import.meta.url).pathname;
const ROOT = new URL("../..", import.meta.url).pathname;

interface Attempt {
  killed: boolean;
  stdout: string;
}

const startsIn = (text: string) => text.split("\n").filter((l) => l.startsWith("start ")).length;

/** Starts the worker; kills it with SIGKILL once it has started `killAfterSteps` more steps (unless it ends first). */
function attempt(dbPath: string, logPath: string, killAfterSteps: number | undefined): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const startsBefore = startsIn(readFileSync(logPath, "utf8"));
    const child = spawn(process.execPath, ["--import", "tsx", WORKER, dbPath, logPath], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let killed = false;
    const watch = setInterval(() => {
      if (killAfterSteps === undefined || killed) return;
      if (startsIn(readFileSync(logPath, "utf8")) - startsBefore >= killAfterSteps) {
        killed = true;
        child.kill("SIGKILL");
      }
    }, 1);
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearInterval(watch);
      if (signal === "SIGKILL") return resolve({ killed: true, stdout });
      if (code !== 0) return reject(new Error(`worker exited ${code}: ${stderr}`));
      resolve({ killed, stdout });
    });
  });
}

async function uninterrupted(): Promise<Record<string, unknown>> {
  const flows = new Map(workflows(undefined).map((f) => [f.name, f] as [string, Flow]));
  const outcomes: Record<string, unknown> = {};
  for (const r of RUNS) {
    if (r.workflow === "Wait") {
      outcomes[r.runId] = { output: (r.input + 1 + 10) * 2 };
      continue;
    }
    outcomes[r.runId] = await run(flows.get(r.workflow)!, r.input, { runId: r.runId, log: () => undefined }).then(
      (output) => ({ output }),
      (e) => ({ error: e.name, step: e.step, compensation: e.compensation }),
    );
  }
  return outcomes;
}

/** For each run, the step orders in the order they started: a step never starts after a later one has. */
function checkNoCompletedStepReran(log: string): void {
  const starts = new Map<string, number[]>();
  for (const line of log.split("\n")) {
    const [kind, runId, order] = line.split(" ");
    if (kind !== "start") continue;
    const list = starts.get(runId!) ?? [];
    list.push(Number(order));
    starts.set(runId!, list);
  }
  for (const [runId, orders] of starts) {
    for (let i = 1; i < orders.length; i++) {
      expect(orders[i], `run ${runId} started step ${orders[i]} after step ${orders[i - 1]}: ${orders.join(",")}`).toBeGreaterThanOrEqual(orders[i - 1]!);
    }
  }
}

describe("crashes of real engine processes", () => {
  it("every run ends as an uninterrupted run would, and no completed step runs again, whatever the crash points (property)", async () => {
    const expected = await uninterrupted();
    const dir = mkdtempSync(join(tmpdir(), "stepchart-crash-"));
    let n = 0;
    await fc.assert(
      // The runs start 33 steps in all: a kill after 1..20 new step starts lands mid-run.
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 4 }), async (killAfter) => {
        const dbPath = join(dir, `crash-${n}.db`);
        const logPath = join(dir, `crash-${n++}.log`);
        writeFileSync(logPath, "");
        let finished: Attempt | undefined;
        let kills = 0;
        for (const steps of killAfter) {
          const a = await attempt(dbPath, logPath, steps);
          if (!a.killed) {
            finished = a;
            break;
          }
          kills++;
        }
        finished ??= await attempt(dbPath, logPath, undefined);
        expect(kills).toBeGreaterThan(0);
        expect(JSON.parse(finished.stdout)).toEqual(expected);
        checkNoCompletedStepReran(readFileSync(logPath, "utf8"));
      }),
      { numRuns: 6, endOnFailure: true },
    );
  }, 120_000);
});
