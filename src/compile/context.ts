// The context of every compiled machine: plain JSON, so snapshots persist as
// they are. Values move through "lanes": registers a flow reads its input from
// and writes its output to (a sequence works in place on one lane; parallel
// branches get lanes of their own).
import { errorToJSON, type SerializedError, type StepchartError } from "../errors.js";

/** The latest failure: which path failed, and the error as JSON. */
export interface Failure {
  path: string;
  error: SerializedError;
}

export interface RunContext {
  runId: string;
  /** Lane values; lane 0 holds the run's input and, at the end, its output. */
  v: unknown[];
  /** Decisions: the case index of each choose, the route name of each route, by block path. */
  sel: Record<string, number | string>;
  /** The failure being handled, or null. */
  error: Failure | null;
}

export function failure(path: string, error: StepchartError): Failure {
  return { path, error: errorToJSON(error) };
}

/** A copy of `lanes` with `lane` set to `value` (contexts are never mutated). */
export function withLane(lanes: readonly unknown[], lane: number, value: unknown): unknown[] {
  const next = lanes.slice();
  next[lane] = value;
  return next;
}
