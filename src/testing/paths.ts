// paths(): every path through a workflow, read off its test projection with
// xstate/graph. Shortest paths come from `getShortestPaths`; simple paths from
// one depth-first walk over `getAdjacencyMap` (xstate's `getSimplePaths`
// walks once per reachable state, which is quadratic in the size of the
// projection, and we only want the paths that end the run).
import { createActor, type AnyStateMachine } from "xstate";
import { getAdjacencyMap, getShortestPaths, serializeSnapshot, type AdjacencyMap } from "xstate/graph";
import type { ErrorCategory } from "../errors.js";
import type { Flow } from "../dsl/flow.js";
import { asWorkflow } from "../compile/compile.js";
import { project, type Projection, type ProjectedEvent, type ProjectionContext, type ProjectionOptions } from "./projection.js";

export interface PathOptions extends ProjectionOptions {
  /** "simple": every path from the start to the end of the run; "shortest": one shortest path to each distinct end. @default "simple" */
  kind?: "simple" | "shortest";
  /** Stop after this many paths (`truncated` is set on the list). @default 2000 */
  limit?: number;
}

/** One way a run can go, from the start to the end. */
export interface WorkflowPath {
  /** Readable: the events, in order, then how the run ends. */
  readonly description: string;
  readonly events: readonly ProjectedEvent[];
  readonly status: "done" | "failed";
  /** The failure that ended the run (the step path WorkflowFailed names, and its category). */
  readonly failure?: { readonly path: string; readonly category: ErrorCategory };
}

export interface PathList extends Array<WorkflowPath> {
  /** Set when `limit` cut the enumeration short. */
  truncated?: boolean;
}

type Snapshot = any;

/** The traversal pieces of a projection: its adjacency map and where it starts. */
export interface Graph {
  readonly projection: Projection;
  readonly adjacency: AdjacencyMap<Snapshot, { type: string }>;
  readonly start: string;
}

export function graphOf(projection: Projection): Graph {
  const machine = projection.machine as AnyStateMachine;
  const initial = createActor(machine).getSnapshot();
  const events = (snapshot: Snapshot) => projection.offered(snapshot).map((e) => ({ type: e.type }));
  const adjacency = getAdjacencyMap(machine, { events, fromState: initial }) as AdjacencyMap<Snapshot, { type: string }>;
  return { projection, adjacency, start: serializeSnapshot(initial) };
}

/** Turns a run of projection events into a path. */
export function toPath(projection: Projection, types: readonly string[], end: Snapshot): WorkflowPath {
  const events = types.map((t) => projection.events.get(t)!);
  const ctx = end.context as ProjectionContext;
  const failed = end.value === "$failed";
  const ending = failed ? `fails at ${ctx.failure?.path} (${ctx.failure?.category})` : "done";
  return {
    description: [...events.map((e) => e.type), ending].join(" → "),
    events,
    status: failed ? "failed" : "done",
    ...(failed && ctx.failure ? { failure: { path: ctx.failure.path, category: ctx.failure.category } } : {}),
  };
}

/**
 * Every path through a workflow: each step succeeding or failing with each
 * category its handlers treat differently, each choose case and route, each
 * retry count up to the limit, each wait answered or timed out, each
 * compensation succeeding or failing.
 *
 * **Gotchas**: paths are abstract: decisions are taken, not computed from data
 * (use `check` for the cases your input classes reach). Parallel branches move
 * in branch order (one order stands for all), a map or pipeline is drawn as one
 * item, and at most `maxFailures` different flows go wrong on one path.
 * @example
 * for (const path of paths(approval)) console.log(path.description);
 */
export function paths(workflow: Flow, options: PathOptions = {}): PathList {
  const projection = project(asWorkflow(workflow), options);
  return pathsOf(graphOf(projection), options);
}

export function pathsOf(graph: Graph, options: PathOptions = {}): PathList {
  const limit = options.limit ?? 2000;
  const { projection, adjacency, start } = graph;
  const out: PathList = [];
  if (options.kind === "shortest") {
    const machine = projection.machine as AnyStateMachine;
    const events = (snapshot: Snapshot) => projection.offered(snapshot).map((e) => ({ type: e.type }));
    const found = getShortestPaths(machine, { events, toState: (s: Snapshot) => s.status === "done" } as any);
    for (const p of found.slice(0, limit)) {
      out.push(toPath(projection, p.steps.map((s: any) => s.event.type).filter((t: string) => projection.events.has(t)), p.state));
    }
    if (found.length > limit) out.truncated = true;
    return out;
  }
  const onPath = new Set<string>();
  const types: string[] = [];
  const walk = (serial: string): boolean => {
    const vertex = adjacency[serial as keyof typeof adjacency]!;
    if (vertex.state.status === "done") {
      out.push(toPath(projection, types, vertex.state));
      return out.length < limit;
    }
    onPath.add(serial);
    for (const { event, state } of Object.values(vertex.transitions)) {
      const next = serializeSnapshot(state);
      if (onPath.has(next)) continue;
      types.push(event.type);
      const more = walk(next);
      types.pop();
      if (!more) {
        out.truncated = true;
        return false;
      }
    }
    onPath.delete(serial);
    return true;
  };
  walk(start);
  return out;
}
