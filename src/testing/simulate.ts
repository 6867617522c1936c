// simulate(): runs a workflow's real compiled machine (compiled from the
// scripted copy of its definition) on a TestClock. Between bursts of work it
// answers the waits the script answers, else moves the clock to the next
// timer; a run with nothing to wait for and no end is reported as stuck.
import type { AnyActorRef, AnyEventObject } from "xstate";
import type { Flow, ChooseNode } from "../dsl/flow.js";
import type { ErrorCategory } from "../errors.js";
import { asWorkflow, compile } from "../compile/compile.js";
import type { CompiledMachine } from "../compile/machine.js";
import { joinPath } from "../compile/context.js";
import { ESCALATED_TAG } from "../compile/escalate.js";
import { BreakerRegistry } from "../compile/breaker.js";
import { LimiterRegistry } from "../compile/limiter.js";
import type { LogEntry } from "../compile/services.js";
import { start } from "../runtime/start.js";
import { actorsOf } from "../runtime/actors.js";
import { TestClock } from "./test-clock.js";
import { sampleOf } from "./input-classes.js";
import { project } from "./projection.js";
import { emptyScript, normalizeOutcome, type Answer, type CompensationOutcome, type Decision, type Operator, type Script, type StepOutcome } from "./script.js";
import { scriptedWorkflow, type TraceEntry } from "./scripted-workflow.js";

export type { TraceEntry } from "./scripted-workflow.js";
export type { StepOutcome, Decision, Answer, CompensationOutcome, Operator } from "./script.js";

export interface SimulateOptions {
  /** What steps do, by path or name: "ok", a category, "transient-then-ok", "hang", { ok: value }, { fail, message?, code? }, or a list read one per call. @default none */
  outcomes?: Record<string, StepOutcome | StepOutcome[]>;
  /** Choose cases (label, index, "otherwise", "none") and routes (a name, or null for a name the route does not know), by path or name. @default none */
  decisions?: Record<string, Decision | Decision[]>;
  /** Answers to waits, by path or name: a payload, true (a sample that fits the wait's schema) or "timeout". @default none: waits time out */
  answers?: Record<string, Answer | Answer[]>;
  /** How compensations end, by the path or name of the flow they undo. @default "ok" unless `unscripted` is "real" */
  compensations?: Record<string, CompensationOutcome | CompensationOutcome[]>;
  /** What an operator does with a parked (escalated) step, by path or name. @default none */
  operators?: Record<string, Operator | Operator[]>;
  /** What a step without an outcome does: run its real function, succeed with its input, or never settle. @default "real" */
  unscripted?: "real" | "ok" | "hang";
  /** The clock; runs start at its current time. @default a new TestClock at 0 */
  clock?: TestClock;
  /** Gives up (status "stuck") after this many clock moves and answers. @default 10000 */
  maxTurns?: number;
  /** Receives what steps and the runtime log. @default nothing */
  log?: (entry: LogEntry) => void;
  /** Records the states and transitions of the run's machine it went through (see `coverage`). @default false */
  recordCoverage?: boolean;
}

/** What a simulated run did. */
export interface Simulation {
  /** "stuck": the run waits for something nothing will send (no timer is due and no answer is scripted). */
  readonly status: "done" | "failed" | "stuck";
  readonly output?: unknown;
  readonly error?: { readonly step: string; readonly category: ErrorCategory; readonly code: string; readonly message: string };
  readonly compensation: { readonly ran: readonly string[]; readonly failed: readonly string[] };
  readonly trace: readonly TraceEntry[];
  /** The step attempts, in order: "Path (attempt n): ok | failed (category) | hung". */
  readonly steps: readonly string[];
  /** Every wait of the clock, in ms. */
  readonly delays: readonly number[];
  readonly elapsedMs: number;
  /** With `recordCoverage`: state ids and transition keys of the root machine the run went through. */
  readonly visited?: { readonly states: ReadonlySet<string>; readonly transitions: ReadonlySet<string> };
}

const quiet = () => undefined;

function toScript(options: SimulateOptions): Script {
  const script = emptyScript(options.unscripted ?? "real", true);
  const list = <T>(v: T | T[]) => (Array.isArray(v) ? v : [v]);
  for (const [key, value] of Object.entries(options.outcomes ?? {})) script.steps.set(key, list(value).flatMap(normalizeOutcome));
  for (const [key, value] of Object.entries(options.decisions ?? {})) script.decisions.set(key, list(value));
  for (const [key, value] of Object.entries(options.answers ?? {})) script.answers.set(key, list(value));
  for (const [key, value] of Object.entries(options.compensations ?? {})) script.compensations.set(key, list(value));
  for (const [key, value] of Object.entries(options.operators ?? {})) script.operators.set(key, list(value));
  return script;
}

/**
 * Runs the workflow's real compiled machine with scripted step outcomes on a
 * simulated clock, and returns what happened: the steps run, the delays
 * waited, the compensations, the final status.
 * @example
 * const sim = await simulate(ingestion, { path: "a.txt" }, { outcomes: { ClassifyDocument: "transient-then-ok" }, unscripted: "ok" });
 * sim.status; // "done"
 */
export async function simulate(workflow: Flow, input: unknown, options: SimulateOptions = {}): Promise<Simulation> {
  return run(workflow, input, toScript(options), options);
}

/** Runs `workflow` under `script` (the path replays build theirs directly). */
export async function run(workflow: Flow, input: unknown, script: Script, options: Pick<SimulateOptions, "clock" | "maxTurns" | "log" | "recordCoverage"> & { oneItem?: boolean } = {}): Promise<Simulation> {
  const clock = options.clock ?? new TestClock();
  const startedAt = clock.now();
  const wf = asWorkflow(workflow);
  const trace: TraceEntry[] = [];
  const chooseAt = new Map<ChooseNode, string>();
  for (const c of project(wf).structure.chooses) if (!chooseAt.has(c.node)) chooseAt.set(c.node, c.display);
  const scripted = scriptedWorkflow(wf, { script, trace, clock, chooseAt, oneItem: options.oneItem ?? false });

  const states = new Set<string>();
  const transitions = new Set<string>();
  const runId = "simulated";
  const inspect = options.recordCoverage
    ? (event: any) => {
        if (event.actorRef?.id !== runId) return;
        if (event.type !== "@xstate.snapshot" && event.type !== "@xstate.microstep") return;
        for (const node of event.snapshot?._nodes ?? []) states.add(node.id);
        // States passed through within one macrostep show up as the sources of the transitions taken.
        for (const t of event._transitions ?? []) {
          transitions.add(transitionKey(t));
          states.add(t.source.id);
        }
      }
    : undefined;
  const handle = start(scripted, input as never, {
    clock,
    runId,
    log: options.log ?? quiet,
    breakers: new BreakerRegistry(),
    limiters: new LimiterRegistry(),
    ...(inspect ? { inspect } : {}),
  });
  let settled: { ok: true; output: unknown } | { ok: false; error: any } | undefined;
  handle.result.then(
    (output) => (settled = { ok: true, output }),
    (error) => (settled = { ok: false, error }),
  );

  const delays: number[] = [];
  let stuck = true;
  for (let turn = 0; turn < (options.maxTurns ?? 10_000); turn++) {
    await clock.advance(0);
    if (settled) {
      stuck = false;
      break;
    }
    if (answerOne(handle.actor, script, trace, clock, handle.send)) continue;
    const due = clock.nextDue;
    if (due === undefined) break;
    delays.push(due - clock.now());
    trace.push({ kind: "delay", ms: due - clock.now(), at: clock.now() });
    await clock.next();
  }
  if (stuck) await clock.advance(0);
  if (!settled) handle.actor.stop();

  const error = settled && !settled.ok ? settled.error : undefined;
  const snapshot = handle.actor.getSnapshot() as any;
  return {
    status: !settled ? "stuck" : settled.ok ? "done" : "failed",
    ...(settled?.ok ? { output: settled.output } : {}),
    ...(error
      ? { error: { step: String(error.step), category: error.category, code: String(error.cause?.code ?? error.code), message: String(error.cause?.message ?? error.message) } }
      : {}),
    compensation: error?.compensation ?? snapshot.context?.compensation ?? { ran: [], failed: [] },
    trace,
    steps: trace.flatMap((t) => (t.kind === "step" ? [`${t.path} (attempt ${t.attempt}): ${t.outcome}${t.category ? ` (${t.category})` : ""}`] : [])),
    delays,
    elapsedMs: clock.now() - startedAt,
    ...(options.recordCoverage ? { visited: { states, transitions } } : {}),
  };
}

/** `source → targets on event`: how coverage names a transition. */
export function transitionKey(t: { source: { id: string }; target?: readonly { id: string }[] | undefined; eventType: string }): string {
  return `${t.source.id} → ${t.target?.map((n) => n.id).join(", ") || "(self)"} on ${t.eventType || "(always)"}`;
}

/** Answers one wait or parked step the script has an answer for; true when it sent something. */
function answerOne(root: AnyActorRef, script: Script, trace: TraceEntry[], clock: TestClock, send: (event: AnyEventObject) => boolean): boolean {
  for (const actor of actorsOf(root)) {
    const logic = (actor as { logic?: CompiledMachine }).logic;
    const snapshot = actor.getSnapshot() as any;
    if (!logic?.info || typeof snapshot.getMeta !== "function") continue;
    const prefix = (snapshot.context?.prefix as string | undefined) ?? "";
    for (const meta of Object.values(snapshot.getMeta() as Record<string, any>)) {
      const wait = meta?.stepchart?.wait as { key: string; event: string } | undefined;
      if (wait) {
        const info = logic.info.waits.get(wait.key);
        const path = joinPath(prefix, info?.path ?? wait.key);
        const answer = script.answers.next(path, script.repeat);
        if (answer === undefined || answer === "timeout") continue;
        const payload = answer === true ? ((sampleOf(info?.schema)?.value as Record<string, unknown> | undefined) ?? {}) : answer;
        trace.push({ kind: "answer", path, event: wait.event, at: clock.now() });
        send({ ...payload, type: wait.event });
        return true;
      }
      const parked = meta?.stepchart?.escalated as string | undefined;
      if (parked !== undefined && snapshot.hasTag(ESCALATED_TAG)) {
        const path = joinPath(prefix, parked);
        const action = script.operators.next(path, script.repeat);
        if (action === undefined) continue;
        trace.push({ kind: "operator", path, action, at: clock.now() });
        send({ type: `stepchart.${action}`, path });
        return true;
      }
    }
  }
  return false;
}
