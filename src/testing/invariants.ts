// check(): the invariants every workflow should keep, over all its paths.
// Statically, on the projection: every state can still reach the end, every
// wait has a timeout path, every loop is bounded (a cycle needs an answer
// from outside), every choose without `otherwise` covers its input classes,
// every compensation can run and runs in reverse order of completion. Then
// every path is replayed on the real machine: it must end as the path says,
// run no step after the failure that ends it (compensations and the other
// branches of an all-settle parallel aside) and retry no step past its limit.
// Each violation names the path that breaks it.
import type { ZodType } from "zod";
import type { Flow } from "../dsl/flow.js";
import { asWorkflow } from "../compile/compile.js";
import { graphOf, pathsOf, toPath, type Graph, type PathOptions, type WorkflowPath } from "./paths.js";
import { project, type Projection, type Structure } from "./projection.js";
import { inputClasses, type InputClass } from "./input-classes.js";
import { isCompensation, replay, type Replay } from "./replay.js";
import { coverageOf, type CoverageReport } from "./coverage.js";
import { serializeSnapshot } from "xstate/graph";

export type Invariant =
  | "terminates"
  | "wait-has-timeout"
  | "retries-bounded"
  | "choose-covers-input"
  | "saga-compensates"
  | "no-step-after-failure"
  | "matches-machine";

/** One broken invariant, with the path that breaks it. */
export interface Violation {
  readonly invariant: Invariant;
  /** The description of the path that breaks it. */
  readonly path: string;
  readonly message: string;
}

export interface CheckOptions extends PathOptions {
  /** The run's input for replays. @default a sample of the workflow's input schema */
  input?: unknown;
  /**
   * Sample inputs of chooses whose input the projection cannot derive from a
   * schema (the workflow's input schema, or the output schema of the step
   * before), by choose name or path. @default none
   */
  samples?: Record<string, readonly unknown[]>;
  /**
   * Steps (names or paths) whose effects must be undone when a later flow
   * fails and compensation runs: each completed one must be compensated.
   * @default none (only the compensations attached in the workflow are checked)
   */
  compensable?: readonly string[];
  /** Replay every path on the real compiled machine. @default true */
  replay?: boolean;
}

export interface CheckReport {
  readonly violations: readonly Violation[];
  readonly paths: readonly WorkflowPath[];
  /** The states and transitions of the compiled machine the replays went through. */
  readonly coverage?: CoverageReport;
  /** Constructs the projection treats as opaque steps. */
  readonly unsupported: Structure["unsupported"];
}

/** Shortest paths (by events) from the start to every reachable vertex of the projection. */
function shortestTo(graph: Graph): Map<string, string[]> {
  const routes = new Map<string, string[]>([[graph.start, []]]);
  const queue = [graph.start];
  while (queue.length > 0) {
    const serial = queue.shift()!;
    const vertex = graph.adjacency[serial as keyof typeof graph.adjacency]!;
    for (const { event, state } of Object.values(vertex.transitions)) {
      const next = serializeSnapshot(state);
      if (routes.has(next)) continue;
      routes.set(next, [...routes.get(serial)!, event.type]);
      queue.push(next);
    }
  }
  return routes;
}

function describeRoute(projection: Projection, types: readonly string[], end: string): string {
  return [...types, end].join(" → ");
}

/** A vertex's active state paths (as the projection's state node paths). */
function activePaths(state: any): Set<string> {
  return new Set([...(state._nodes as Iterable<any>)].map((n) => n.path.join(".")));
}

export function staticViolations(workflow: Flow, graph: Graph, list: readonly WorkflowPath[], options: CheckOptions = {}): Violation[] {
  const { projection, adjacency } = graph;
  const { structure } = projection;
  const out: Violation[] = [];
  const routes = shortestTo(graph);
  const vertices = Object.keys(adjacency);

  // terminates: every reachable state can still reach the end of the run.
  const reaches = new Set(vertices.filter((v) => adjacency[v as keyof typeof adjacency]!.state.status === "done"));
  for (let grew = true; grew; ) {
    grew = false;
    for (const v of vertices) {
      if (reaches.has(v)) continue;
      const next = Object.values(adjacency[v as keyof typeof adjacency]!.transitions).map((t) => serializeSnapshot(t.state));
      if (next.some((n) => reaches.has(n))) {
        reaches.add(v);
        grew = true;
      }
    }
  }
  for (const v of vertices) {
    if (reaches.has(v)) continue;
    const state = adjacency[v as keyof typeof adjacency]!.state;
    out.push({ invariant: "terminates", path: describeRoute(projection, routes.get(v) ?? [], "stuck"), message: `The run can get stuck in ${JSON.stringify(state.value)}: nothing leads from there to its end` });
    break;
  }

  // wait-has-timeout
  for (const wait of structure.waits) {
    if (wait.hasTimeout) continue;
    const at = vertices.find((v) => activePaths(adjacency[v as keyof typeof adjacency]!.state).has(wait.statePath));
    out.push({
      invariant: "wait-has-timeout",
      path: describeRoute(projection, at ? routes.get(at)! : [], `waits at ${wait.display}`),
      message: `waitFor "${wait.display}" has no timeout: a run whose event never comes waits forever; add \`timeout\` (and \`onTimeout\`)`,
    });
  }

  // retries-bounded: a cycle must wait for something from outside (an answer, an operator).
  const cycle = findInternalCycle(graph);
  if (cycle) {
    out.push({ invariant: "retries-bounded", path: describeRoute(projection, routes.get(cycle.at) ?? [], `loops on ${cycle.events.join(" → ")}`), message: "The run can loop forever without anything from outside" });
  }

  // choose-covers-input
  const wf = asWorkflow(workflow);
  for (const c of structure.chooses) {
    if (c.node.otherwise) continue;
    const classes = classesFor(c, wf.inputSchema, options.samples);
    if (!classes) continue;
    for (const k of classes) {
      let hit: boolean;
      try {
        hit = c.node.cases.some((cs) => cs.when(k.value) === true);
      } catch {
        hit = false;
      }
      if (hit) continue;
      const failing = list.find((p) => p.events.some((e) => e.kind === "case" && e.path === c.display && e.choice === "none"));
      out.push({
        invariant: "choose-covers-input",
        path: failing?.description ?? c.display,
        message: `No case of choose "${c.display}" covers the input class ${k.label} (${JSON.stringify(k.value)}), and it has no \`otherwise\``,
      });
    }
  }

  // saga-compensates
  const compensatedSomewhere = new Set(list.flatMap((p) => p.events.filter(isCompensation).map((e) => e.path)));
  for (const c of structure.compensables) {
    if (!c.saga || compensatedSomewhere.has(c.display)) continue;
    const completes = list.find((p) => p.events.some((e) => e.kind === "done" && (e.path === c.display || e.path.startsWith(`${c.display}.`))));
    out.push({
      invariant: "saga-compensates",
      path: completes?.description ?? c.display,
      message: `The compensation of "${c.display}" never runs on any path: no flow after it in its saga can fail in a way the saga compensates. Is it attached to the right step?`,
    });
  }
  for (const p of list) out.push(...sagaOrder(p, options.compensable ?? []));
  return out;
}

function classesFor(c: Structure["chooses"][number], workflowSchema: ZodType | undefined, samples: CheckOptions["samples"]): InputClass[] | undefined {
  const given = Object.entries(samples ?? {}).find(([key]) => key === c.display || key === c.node.name || c.display.endsWith(`.${key}`));
  if (given) return given[1].map((value, i) => ({ label: `sample ${i + 1}`, value }));
  const schema = c.inputOf.kind === "workflow" ? workflowSchema : c.inputOf.kind === "step" ? c.inputOf.node.outputSchema : undefined;
  if (!schema) return undefined;
  // The choose sees parsed values (defaults applied).
  return inputClasses(schema).map((k) => {
    const parsed = schema.safeParse(k.value);
    return { label: k.label, value: parsed.success ? parsed.data : k.value };
  });
}

/** On one path: compensations run once each, newest first; declared compensable steps that completed before the failure are compensated. */
function sagaOrder(p: WorkflowPath, compensable: readonly string[]): Violation[] {
  const out: Violation[] = [];
  const comps = p.events.filter(isCompensation);
  const seen = new Set<string>();
  for (const e of comps) {
    if (seen.has(e.path)) out.push({ invariant: "saga-compensates", path: p.description, message: `"${e.path}" is compensated twice` });
    seen.add(e.path);
  }
  const completedAt = (flow: string) => {
    let at = -1;
    p.events.forEach((e, i) => {
      if (e.kind === "done" && (e.path === flow || e.path.startsWith(`${flow}.`))) at = i;
    });
    return at;
  };
  for (let i = 1; i < comps.length; i++) {
    if (completedAt(comps[i]!.path) > completedAt(comps[i - 1]!.path)) {
      out.push({ invariant: "saga-compensates", path: p.description, message: `"${comps[i - 1]!.path}" is compensated before "${comps[i]!.path}", which completed after it` });
    }
  }
  const lastFault = p.events.map((e) => e.fault === true).lastIndexOf(true);
  if (lastFault < 0 || (p.status !== "failed" && comps.length === 0)) return out;
  const matches = (name: string, path: string) => path === name || path.endsWith(`.${name}`);
  for (const name of compensable) {
    const done = p.events.findIndex((e, i) => i < lastFault && e.kind === "done" && matches(name, e.path));
    if (done < 0) continue;
    const stepPath = p.events[done]!.path;
    if (comps.some((e) => e.path === stepPath || stepPath.startsWith(`${e.path}.`))) continue;
    out.push({
      invariant: "saga-compensates",
      path: p.description,
      message: `"${stepPath}" completed before "${p.events[lastFault]!.path}" failed, but it is never compensated`,
    });
  }
  return out;
}

function findInternalCycle(graph: Graph): { at: string; events: string[] } | undefined {
  const { adjacency, projection } = graph;
  const colour = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (v: string): { at: string; events: string[] } | undefined => {
    colour.set(v, 1);
    for (const { event, state } of Object.values(adjacency[v as keyof typeof adjacency]!.transitions)) {
      if (projection.events.get(event.type)?.external) continue;
      const next = serializeSnapshot(state);
      stack.push(event.type);
      if (colour.get(next) === 1) return { at: next, events: [...stack] };
      if (!colour.has(next)) {
        const found = visit(next);
        if (found) return found;
      }
      stack.pop();
    }
    colour.set(v, 2);
    return undefined;
  };
  return visit(graph.start);
}

/** The violations a replay of `path` shows. */
export function replayViolations(structure: Structure, path: WorkflowPath, r: Replay): Violation[] {
  const out: Violation[] = [];
  const sim = r.simulation;
  if (sim.status === "stuck") out.push({ invariant: "terminates", path: path.description, message: "The real run did not end: it waits for something nothing sends" });
  for (const m of r.mismatches) out.push({ invariant: "matches-machine", path: path.description, message: `The compiled machine differs from the path: ${m}` });
  // no step after the failure that ends the run
  if (sim.status === "failed" && sim.error) {
    const at = sim.error.step;
    const under = (p: string) => p === at || p.startsWith(`${at}.`);
    const trace = sim.trace;
    let last = -1;
    trace.forEach((t, i) => {
      if (t.kind === "step" && t.outcome !== "ok" && under(t.path)) last = i;
    });
    if (last >= 0) {
      const failed = (trace[last] as { path: string }).path;
      const siblings = structure.parallels.flatMap((p) => {
        const own = p.branches.find((b) => failed === b || failed.startsWith(`${b}.`));
        return own ? p.branches.filter((b) => b !== own) : [];
      });
      for (const t of trace.slice(last + 1)) {
        if (t.kind !== "step" || siblings.some((b) => t.path === b || t.path.startsWith(`${b}.`))) continue;
        out.push({ invariant: "no-step-after-failure", path: path.description, message: `"${t.path}" ran after "${failed}" failed the run` });
      }
    }
  }
  // retries bounded: no step runs more attempts than its retries allow
  const attempts = new Map<string, number>();
  for (const t of sim.trace) if (t.kind === "step") attempts.set(t.path, Math.max(attempts.get(t.path) ?? 0, t.attempt));
  for (const [p, n] of attempts) {
    const limits = structure.retries.filter((r) => p === r.display || p.startsWith(`${r.display}.`)).map((r) => r.maxRetries + 1);
    const bound = limits.length > 0 ? Math.max(...limits) : 1;
    if (n > bound) out.push({ invariant: "retries-bounded", path: path.description, message: `"${p}" ran attempt ${n}, beyond its limit of ${bound}` });
  }
  return out;
}

/**
 * Checks the invariants over every path of a workflow: the run always
 * terminates; no step runs after a failure except compensations; every
 * failing path compensates the completed compensable steps once each, in
 * reverse order; every wait has a timeout path; every retry is bounded;
 * every choose without `otherwise` covers its input classes. Each path is
 * also replayed on the real compiled machine.
 * @example
 * const report = await check(booking, { compensable: ["ReserveFlight"] });
 * for (const v of report.violations) console.log(v.invariant, v.path, v.message);
 */
export async function check(workflow: Flow, options: CheckOptions = {}): Promise<CheckReport> {
  const projection = project(asWorkflow(workflow), options);
  const graph = graphOf(projection);
  const list = pathsOf(graph, options);
  const violations = staticViolations(workflow, graph, list, options);
  if (options.replay === false) return { violations, paths: list, unsupported: projection.structure.unsupported };
  const simulations = [];
  for (const p of list) {
    const r = await replay(workflow, projection, p, { ...("input" in options ? { input: options.input } : {}), recordCoverage: true });
    simulations.push(r.simulation);
    violations.push(...replayViolations(projection.structure, p, r));
  }
  return { violations, paths: list, coverage: coverageOf(workflow, simulations), unsupported: projection.structure.unsupported };
}

/** Formats violations one per paragraph, for test failures. */
export function formatViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.invariant}: ${v.message}\n  on path: ${v.path}`).join("\n");
}

export { toPath };
