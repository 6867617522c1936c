// Replaying a path on the real machine: the path's events become a script
// (each step's outcomes in order, each decision, answer and compensation
// outcome; a step with nothing left to do never settles, a wait with no
// answer times out), the run is simulated, and what the machine did is
// compared with what the path says it does.
import { createActor, type AnyStateMachine } from "xstate";
import type { Flow } from "../dsl/flow.js";
import { asWorkflow } from "../compile/compile.js";
import type { Projection, ProjectedEvent } from "./projection.js";
import { emptyScript, type Script } from "./script.js";
import { run, type Simulation } from "./simulate.js";
import { sampleOf } from "./input-classes.js";
import type { WorkflowPath } from "./paths.js";
import type { TestClock } from "./test-clock.js";

export interface ReplayOptions {
  /** The run's input. @default a sample that fits the workflow's input schema, else {} */
  input?: unknown;
  clock?: TestClock;
  recordCoverage?: boolean;
}

export interface Replay {
  readonly simulation: Simulation;
  /** How the real run differed from the path, one sentence each. */
  readonly mismatches: string[];
}

/** What the path says each step does, in order, by step path. */
function expectedSteps(projection: Projection, path: WorkflowPath): Map<string, string[]> {
  const steps = new Map<string, string[]>();
  const add = (p: string, outcome: string) => steps.set(p, [...(steps.get(p) ?? []), outcome]);
  const actor = createActor(projection.machine as AnyStateMachine).start();
  for (const e of path.events) {
    if (e.kind === "done") add(e.path, "ok");
    else if (e.kind === "fail" && !e.type.includes(" chooser fails ")) add(e.path, `failed (${e.category})`);
    else if (e.kind === "timeout") {
      // The step that is running when the timeout fires never settles.
      for (const running of projection.offered(actor.getSnapshot()).filter((o) => o.kind === "done")) add(running.path, "hung");
    }
    actor.send({ type: e.type });
  }
  actor.stop();
  return steps;
}

/** The script that makes the real machine take `path`. */
export function scriptOf(projection: Projection, path: WorkflowPath): Script {
  const script = emptyScript("hang", false);
  for (const [p, outcomes] of expectedSteps(projection, path)) {
    for (const o of outcomes) script.steps.push(p, o === "ok" ? { ok: true } : o === "hung" ? { hang: true } : { ok: false, category: o.slice(8, -1) as never });
  }
  for (const e of path.events) {
    if (e.kind === "case") script.decisions.push(e.path, e.choice === "otherwise" || e.choice === "none" ? e.choice : (e.choice as number));
    else if (e.kind === "route") script.decisions.push(e.path, e.choice as string | null);
    else if (e.kind === "fail" && e.type.includes(" chooser fails ")) script.decisions.push(e.path, { fail: e.category! });
    else if (e.kind === "receive") script.answers.push(e.path, true);
    else if (e.kind === "wait-timeout") script.answers.push(e.path, "timeout");
    else if (e.kind === "compensated") script.compensations.push(e.path, "ok");
    else if (e.kind === "compensation-failed") script.compensations.push(e.path, "fail");
    else if (e.kind === "operator") script.operators.push(e.path, e.operator!);
  }
  return script;
}

/** Runs `path` on the real compiled machine and lists how the run differed from it. */
export async function replay(workflow: Flow, projection: Projection, path: WorkflowPath, options: ReplayOptions = {}): Promise<Replay> {
  const wf = asWorkflow(workflow);
  const input = "input" in options ? options.input : (sampleOf(wf.inputSchema)?.value ?? {});
  const simulation = await run(wf, input, scriptOf(projection, path), {
    oneItem: true,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.recordCoverage ? { recordCoverage: true } : {}),
  });
  return { simulation, mismatches: compare(projection, path, simulation) };
}

function compare(projection: Projection, path: WorkflowPath, sim: Simulation): string[] {
  const out: string[] = [];
  const opaque = projection.structure.unsupported.map((u) => u.display);
  const inOpaque = (p: string) => opaque.some((o) => p === o || p.startsWith(`${o}.`));
  if (sim.status !== path.status) {
    out.push(`the run ended ${sim.status}${sim.error ? ` at ${sim.error.step} (${sim.error.category})` : ""}, but the path ends ${path.status}`);
  } else if (path.failure && sim.error && (sim.error.step !== path.failure.path || sim.error.category !== path.failure.category)) {
    out.push(`the run failed at ${sim.error.step} (${sim.error.category}), but the path fails at ${path.failure.path} (${path.failure.category})`);
  }
  const expected = expectedSteps(projection, path);
  const actual = new Map<string, string[]>();
  for (const t of sim.trace) {
    if (t.kind !== "step" || inOpaque(t.path)) continue;
    actual.set(t.path, [...(actual.get(t.path) ?? []), t.outcome === "failed" ? `failed (${t.category})` : t.outcome]);
  }
  for (const [p, outcomes] of expected) {
    if (inOpaque(p)) continue;
    const ran = actual.get(p) ?? [];
    if (ran.join() !== outcomes.join()) out.push(`${p} should have run [${outcomes.join(", ")}], ran [${ran.join(", ")}]`);
  }
  for (const [p, ran] of actual) if (!expected.has(p)) out.push(`${p} ran [${ran.join(", ")}], but the path never runs it`);
  const wanted = path.events.filter(isCompensation).map((e) => `${e.path}: ${e.kind === "compensated" ? "ok" : "failed"}`);
  const done = sim.trace.flatMap((t) => (t.kind === "compensation" ? [`${t.path}: ${t.outcome}`] : []));
  if (wanted.join() !== done.join()) out.push(`compensations should have been [${wanted.join(", ")}], were [${done.join(", ")}]`);
  return out;
}

export function isCompensation(e: ProjectedEvent): boolean {
  return e.kind === "compensated" || e.kind === "compensation-failed";
}
