// A soak worker: resumes whatever the store holds, starts the runs it is
// given (idempotently), answers the waits, and prints the outcomes once every
// run has ended. The soak kills it at random moments and starts it again.
import { readFileSync } from "node:fs";
import { createEngine, sqliteStore } from "stepchart";
import { soakWorkflows } from "./workflows.js";

const [dbPath, runsPath, logPath] = process.argv.slice(2) as [string, string, string];
const runs = JSON.parse(readFileSync(runsPath, "utf8")) as { runId: string; workflow: string; input: number }[];
const engine = createEngine({ workflows: soakWorkflows(logPath), store: sqliteStore(dbPath), log: () => undefined });
await engine.ready;
for (let i = 0; i < runs.length; i += 200) {
  await Promise.all(runs.slice(i, i + 200).map((r) => engine.start(r.workflow, r.input, { runId: r.runId })));
}
// answers every ANSWER wait (the Unanswered workflow's waits time out)
const answerer = setInterval(async () => {
  for (const view of await engine.list({ status: "waiting", limit: 1000 })) {
    if (view.waitingFor.includes("ANSWER")) {
      await engine.signal(view.runId, { type: "ANSWER", n: view.runId.length }).catch(() => undefined);
    }
  }
}, 25);
const outcomes: Record<string, unknown> = {};
await Promise.all(
  runs.map(async (r) => {
    outcomes[r.runId] = await engine.result(r.runId).then(
      (output) => ({ output }),
      (e: { name: string; step?: string; category?: string }) => ({ error: e.name, step: e.step, category: e.category }),
    );
  }),
);
clearInterval(answerer);
await engine.close();
process.stdout.write(`${JSON.stringify(outcomes)}\n`);
