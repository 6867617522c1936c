// The context of every compiled machine: plain JSON, so snapshots persist as
// they are. Values move through "lanes": registers a flow reads its input from
// and writes its output to (a sequence works in place on one lane; parallel
// branches and retries get lanes of their own). Block state (retry attempts,
// timer deadlines, parallel failures, map progress) is keyed by state path.
import { errorToJSON, type CompensationReport, type SerializedError, type StepchartError } from "../errors.js";

/** The latest failure: which step path failed, and the error as JSON. */
export interface Failure {
  path: string;
  error: SerializedError;
  /** An operator aborted the escalated step: compensate whatever the error's category. */
  aborted?: boolean;
}

/** A completed compensable flow, waiting on the stack in case a saga must undo it. */
export interface StackRecord {
  /** The full path of the flow that completed. */
  path: string;
  /** The name of the registered compensation machine. */
  undo: string;
  /** The flow's output: the compensation's input. */
  output: unknown;
}

/** A failure gathered by a parallel, map or pipeline block. */
export interface CollectedFailure {
  /** The branch key, or `[index]` for an item of a map or pipeline. */
  branch: string;
  path: string;
  error: SerializedError;
}

export interface RunContext {
  runId: string;
  /** Prepended to every path this machine reports ("" for a run; "Wf.Map[3]" for a map item). */
  prefix: string;
  /** Lane values; lane 0 holds the run's input and, at the end, its output. */
  v: unknown[];
  /** Decisions: the case index of each choose, the route of each route, a retry's verdict… by state path. */
  sel: Record<string, number | string>;
  /**
   * The failure being handled, by failure slot: "" for the run's main line,
   * and one slot per parallel region, so that regions failing in the same
   * microstep never overwrite each other's failure.
   */
  errors: Record<string, Failure>;
  /** Counters by state path: retry attempts made, branches running in a parallel. */
  counters: Record<string, number>;
  /** Absolute due times (ms since the epoch, from the run's clock) of timers, by state path. */
  deadlines: Record<string, number>;
  /** Failures gathered by parallel blocks while their other branches go on, by state path. */
  collected: Record<string, CollectedFailure[]>;
  /** The progress of map and pipeline blocks, by state path. */
  windows: Record<string, unknown>;
  /** Completed compensable flows, oldest first. */
  stack: StackRecord[];
  /** What compensation did in this run: paths whose compensation ran, and whose compensation failed. */
  compensation: CompensationReport;
  /** Steps whose result came from the step cache, by state path (absent until the first hit). */
  cached?: Record<string, CacheNote>;
  /** Payloads of buffered event types that arrived while no wait took them, oldest first, by event type (absent until the first). */
  mailbox?: Record<string, unknown[]>;
  /** The locks of `critical` blocks by name: the state path holding each, and those waiting, in arrival order (absent until the first). */
  locks?: Record<string, LockState>;
}

/** A step result taken from the cache instead of running the step. */
export interface CacheNote {
  key: string;
  /** The run that computed it. */
  from: string;
  /** When it was computed, ms since the epoch. */
  at: number;
}

/** A lock of `critical` blocks. */
export interface LockState {
  owner: string | null;
  queue: string[];
}

export function emptyContext(runId: string, prefix: string, lanes: number): RunContext {
  return {
    runId,
    prefix,
    v: new Array(lanes).fill(null),
    sel: {},
    errors: {},
    counters: {},
    deadlines: {},
    collected: {},
    windows: {},
    stack: [],
    compensation: { ran: [], failed: [] },
  };
}

/** `a.b`, skipping empty parts: paths of child machines start from their prefix. */
export function joinPath(prefix: string, path: string): string {
  return prefix === "" ? path : path === "" ? prefix : `${prefix}.${path}`;
}

/** The full path of a display path in this machine: the machine's prefix joined to it. */
export function fullPath(context: RunContext, path: string): string {
  return joinPath(context.prefix, path);
}

/** The failure slot of the run's main line (outside every parallel region). */
export const MAIN_SLOT = "";

/** The failure being handled in `slot`, if any. */
export function failureIn(context: RunContext, slot: string): Failure | undefined {
  return context.errors[slot];
}

/** The `errors` of `context` with `slot` set to `failure` (or cleared). */
export function withFailure(context: RunContext, slot: string, failure: Failure | undefined): Pick<RunContext, "errors"> {
  const errors = { ...context.errors };
  if (failure === undefined) delete errors[slot];
  else errors[slot] = failure;
  return { errors };
}

/** The failure record of `error` at `path` (a display path of this machine). */
export function failure(context: RunContext, path: string, error: StepchartError): Failure {
  return { path: fullPath(context, path), error: errorToJSON(error) };
}

/** A copy of `lanes` with `lane` set to `value` (contexts are never mutated). */
export function withLane(lanes: readonly unknown[], lane: number, value: unknown): unknown[] {
  const next = lanes.slice();
  next[lane] = value;
  return next;
}

/** A copy of `record` with `key` set to `value`. */
export function withKey<TRecord extends Record<string, unknown>>(record: TRecord, key: string, value: TRecord[string]): TRecord {
  return { ...record, [key]: value };
}

/** Copies a value for a branch that must not share it with its siblings. */
export function copyValue<TValue>(value: TValue): TValue {
  return typeof value === "object" && value !== null ? structuredClone(value) : value;
}
