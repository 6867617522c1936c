// What a step's function receives besides its input. Defined in the DSL layer
// because users type against it; the compiler's executor builds it.

/** Structured log lines from inside a step; each line carries the run id and step path. */
export interface StepLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The second argument of every step function. */
export interface StepContext {
  /** The id of the run this step belongs to. */
  readonly runId: string;
  /** The step's path in the workflow, e.g. `Ingest.Classify`. */
  readonly path: string;
  /** 1 for the first attempt, 2 for the first retry, … */
  readonly attempt: number;
  /** `${runId}:${path}:${attempt}`: stable across a crash and restore, for de-duplicating side effects. */
  readonly idempotencyKey: string;
  /** Fires when the step is withdrawn (cancelled, timed out, its branch lost); its late result is dropped. */
  readonly signal: AbortSignal;
  readonly log: StepLogger;
}
