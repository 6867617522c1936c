// The error classes of stepchart and their JSON form.
// Owns: the five categories, the workflow-level errors, the one function that
// normalizes thrown values at the step boundary, and toJSON/fromJSON so that
// errors survive a snapshot round trip. Imports nothing of ours; every layer
// uses it. Never check `instanceof` alone after a restore: use
// `isStepchartError(e)`, `e.category` or `e.code`.

/** What would make the next attempt succeed; decides the default response. */
export type ErrorCategory = "transient" | "validation" | "resource" | "dependency" | "logic";

export const ERROR_CATEGORIES: readonly ErrorCategory[] = ["transient", "validation", "resource", "dependency", "logic"];

/** One problem found by validation, with where it is (`path`) and a stable `code`. */
export interface ValidationIssue {
  code: string;
  path: (string | number)[];
  message: string;
}

/** The report of what compensation did when a workflow failed. */
export interface CompensationReport {
  /** Step paths whose compensation ran to completion, in the order they ran. */
  ran: string[];
  /** Step paths whose compensation itself failed. */
  failed: string[];
}

/** The plain-data form of an error, as stored in a snapshot. */
export interface SerializedError {
  name: string;
  message: string;
  category?: ErrorCategory;
  code?: string;
  retryable?: boolean;
  details?: Record<string, unknown>;
  stack?: string;
  cause?: SerializedError;
}

export interface StepchartErrorOptions {
  /** The error (or thrown value) that caused this one. */
  cause?: unknown;
  /** A stable snake_case code; defaults per class. */
  code?: string;
  /** Overrides the category's default. */
  retryable?: boolean;
  /** Extra plain data that travels with the error (must be JSON). */
  details?: Record<string, unknown>;
}

const BRAND = Symbol.for("stepchart.error");
const SNAKE_CASE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

/**
 * The base of every stepchart error: `category`, a snake_case `code`,
 * `retryable` and `cause`.
 * @example
 * if (isStepchartError(err) && err.category === "transient") retryLater();
 */
export abstract class StepchartError extends Error {
  abstract readonly category: ErrorCategory;
  readonly code: string;
  readonly details: Record<string, unknown>;
  #retryable: boolean | undefined;

  constructor(message: string, defaultCode: string, options: StepchartErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const code = options.code ?? defaultCode;
    if (!SNAKE_CASE.test(code)) {
      throw new TypeError(`Expected an error code in snake_case, got ${JSON.stringify(code)}`);
    }
    this.code = code;
    this.details = { ...options.details };
    this.#retryable = options.retryable;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** Whether a retry can help; defaults from the category (transient, resource, dependency: yes). */
  get retryable(): boolean {
    return this.#retryable ?? defaultRetryable(this.category);
  }

  toJSON(): SerializedError {
    return errorToJSON(this);
  }
}

function defaultRetryable(category: ErrorCategory): boolean {
  return category === "transient" || category === "resource" || category === "dependency";
}

/**
 * A failure that time alone can fix: a network blip, a timeout. Retried with backoff by default.
 * @example
 * throw new TransientError("Upstream answered 503", { code: "http_503" });
 */
export class TransientError extends StepchartError {
  readonly category = "transient" as const;
  override readonly name: string = "TransientError";
  constructor(message: string, options?: StepchartErrorOptions) {
    super(message, "transient", options);
  }
  /** A bounded flow or step ran past its time limit (code `timeout`). */
  static timeout(where: string, timeoutMs: number, options?: StepchartErrorOptions): TransientError {
    return new TransientError(`${where} did not finish within ${timeoutMs}ms`, {
      ...options,
      code: "timeout",
      details: { timeoutMs, ...options?.details },
    });
  }
}

/**
 * Input that will never be accepted as it is; fails fast, never retried.
 * `issues` lists every problem found, each with a `code` and a `path`.
 * @example
 * throw ValidationError.fromIssues("order", [{ code: "too_small", path: ["qty"], message: "Expected qty to be >= 1, got 0" }]);
 */
export class ValidationError extends StepchartError {
  readonly category = "validation" as const;
  override readonly name: string = "ValidationError";
  readonly issues: ValidationIssue[];
  constructor(message: string, options?: StepchartErrorOptions & { issues?: ValidationIssue[] }) {
    const issues = options?.issues ?? (options?.details?.issues as ValidationIssue[] | undefined) ?? [];
    super(message, "validation_failed", { ...options, details: { ...options?.details, issues } });
    this.issues = issues;
  }
  /** One error for every issue found in `subject`. */
  static fromIssues(subject: string, issues: ValidationIssue[], options?: StepchartErrorOptions): ValidationError {
    const lines = issues.map((i) => `  - ${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`);
    return new ValidationError(`Invalid ${subject}: ${issues.length} issue(s)\n${lines.join("\n")}`, { ...options, issues });
  }
}

/**
 * Capacity or quota is exhausted; retry after `retryAfterMs` when known.
 * @example
 * throw new ResourceError("Rate limited by payments-api", { retryAfterMs: 2000 });
 */
export class ResourceError extends StepchartError {
  readonly category = "resource" as const;
  override readonly name: string = "ResourceError";
  constructor(message: string, options?: StepchartErrorOptions & { retryAfterMs?: number }) {
    const retryAfterMs = options?.retryAfterMs ?? (options?.details?.retryAfterMs as number | undefined);
    super(message, "resource_exhausted", {
      ...options,
      details: retryAfterMs === undefined ? options?.details : { ...options?.details, retryAfterMs },
    });
  }
  /** How long the resource asked us to wait, when it said. */
  get retryAfterMs(): number | undefined {
    return this.details.retryAfterMs as number | undefined;
  }
}

/**
 * Another system this step depends on is down; retried behind the circuit breaker.
 * @example
 * throw new DependencyError("Connection refused by lab-api", { code: "connection_refused", cause: err });
 */
export class DependencyError extends StepchartError {
  readonly category = "dependency" as const;
  override readonly name: string = "DependencyError";
  constructor(message: string, options?: StepchartErrorOptions) {
    super(message, "dependency_unavailable", options);
  }
}

/**
 * The code met a state it does not handle; only a code change fixes it. A plain
 * `Error` thrown by a step becomes a LogicError.
 * @example
 * throw new LogicError("Invoice has no lines", { code: "empty_invoice" });
 */
export class LogicError extends StepchartError {
  readonly category = "logic" as const;
  override readonly name: string = "LogicError";
  constructor(message: string, options?: StepchartErrorOptions) {
    super(message, "logic_error", options);
  }
}

/**
 * A `choose` found no case for its input and has no `otherwise`.
 * @example
 * choose("C", [{ when: (x) => x > 0, then: positive }]); // run with -1 -> NoMatchingCaseError
 */
export class NoMatchingCaseError extends LogicError {
  override readonly name: string = "NoMatchingCaseError";
  constructor(message: string, options?: StepchartErrorOptions) {
    super(message, { code: "no_matching_case", ...options });
  }
}

/**
 * A `route` chooser named a route that does not exist and there is no `fallback`.
 * @example
 * route("Triage", { routes: { a, b }, choose: () => "c" }); // -> InvalidRouteError
 */
export class InvalidRouteError extends LogicError {
  override readonly name: string = "InvalidRouteError";
  constructor(message: string, options?: StepchartErrorOptions) {
    super(message, { code: "invalid_route", ...options });
  }
}

/**
 * A workflow definition is malformed (a duplicate name, an empty sequence, a
 * bad duration). Thrown when the workflow is built, never while it runs.
 * @example
 * sequence("S", []); // DefinitionError: Expected sequence "S" to have at least one flow, got none
 */
export class DefinitionError extends LogicError {
  override readonly name: string = "DefinitionError";
  constructor(message: string, options?: StepchartErrorOptions) {
    super(message, { code: "invalid_definition", ...options });
  }
}

/** Precedence when failures of several categories are reported as one: the least retryable first. */
const SEVERITY: readonly ErrorCategory[] = ["validation", "logic", "resource", "dependency", "transient"];

/** The category that represents several failures together (validation > logic > resource > dependency > transient). */
export function dominantCategory(categories: readonly ErrorCategory[]): ErrorCategory {
  for (const category of SEVERITY) if (categories.includes(category)) return category;
  return "logic";
}

/** One failed branch (or item) of a parallel, map or pipeline. */
export interface BranchError {
  /** The branch key, or `[index]` for an item. */
  branch: string;
  /** The step path where it failed. */
  path: string;
  error: StepchartError;
}

/**
 * Some branches of a parallel (or items of a map or pipeline) failed. `errors`
 * lists every failure, each naming its branch. Its category is the least
 * retryable of theirs (validation > logic > resource > dependency > transient).
 * @example
 * catch (e) { if (e.cause instanceof ParallelExecutionFailed) for (const f of e.cause.errors) console.log(f.branch, f.error.code) }
 */
export class ParallelExecutionFailed extends StepchartError {
  override readonly name: string = "ParallelExecutionFailed";
  readonly category: ErrorCategory;
  readonly errors: BranchError[];
  constructor(block: string, total: number, errors: BranchError[], options?: StepchartErrorOptions) {
    const list = errors.map((e) => `${e.branch} (${e.error.category}, ${e.error.code})`).join(", ");
    super(`${errors.length} of ${total} branches of "${block}" failed: ${list}`, "parallel_execution_failed", {
      ...options,
      details: {
        ...options?.details,
        block,
        total,
        errors: errors.map((e) => ({ branch: e.branch, path: e.path, error: errorToJSON(e.error) })),
      },
    });
    this.errors = errors;
    this.category = dominantCategory(errors.map((e) => e.error.category));
  }
}

/**
 * A retried flow failed on every attempt. `cause` is the last error; the
 * category is the last error's, so the rules for that category still apply.
 * @example
 * catch (e) { if (e.cause?.code === "max_retries_exceeded") console.log(e.cause.attempts) }
 */
export class MaxRetriesExceededError extends StepchartError {
  override readonly name: string = "MaxRetriesExceededError";
  readonly category: ErrorCategory;
  declare readonly cause: StepchartError;
  constructor(where: string, attempts: number, cause: StepchartError, options?: StepchartErrorOptions) {
    super(`${where} failed on all ${attempts} attempts; the last failure was ${cause.category} (${cause.code})`, "max_retries_exceeded", {
      ...options,
      cause,
      retryable: false,
      details: { ...options?.details, where, attempts },
    });
    this.category = cause.category;
  }
  get attempts(): number {
    return this.details.attempts as number;
  }
}

/**
 * A wait for an external event (an approval) ran past its timeout and has no
 * `onTimeout` flow. A logic error: by default a saga compensates for it and an
 * escalating workflow parks the run for an operator.
 * @example
 * waitFor("Approve", "APPROVE", { timeout: "48h" }); // no answer in 48h -> WaitTimeoutError
 */
export class WaitTimeoutError extends LogicError {
  override readonly name: string = "WaitTimeoutError";
  constructor(message: string, options?: StepchartErrorOptions) {
    super(message, { code: "wait_timeout", ...options });
  }
}

/**
 * A run was cancelled (engine.cancel or handle.cancel): its completed
 * compensable steps were compensated. `result()` of a cancelled run rejects with it.
 * @example
 * await engine.cancel(runId); await engine.result(runId).catch((e) => e.code); // "run_cancelled"
 */
export class RunCancelledError extends LogicError {
  override readonly name: string = "RunCancelledError";
  constructor(message: string, options?: StepchartErrorOptions) {
    super(message, { code: "run_cancelled", ...options });
  }
}

/**
 * A run cannot continue under the workflow definitions the engine has: a
 * state it is in no longer exists (or means something else). `missing` names them.
 * @example
 * createEngine({ workflows: [ingestionV1, ingestionV2] }); // keep the old version registered
 */
export class IncompatibleVersionError extends LogicError {
  override readonly name: string = "IncompatibleVersionError";
  constructor(message: string, options?: StepchartErrorOptions & { missing?: string[] }) {
    super(message, { code: "incompatible_version", ...options, details: { ...options?.details, missing: options?.missing ?? (options?.details?.missing as string[]) ?? [] } });
  }
  get missing(): string[] {
    return this.details.missing as string[];
  }
}

/**
 * A worker tried to write a run whose lease had moved to another worker (it
 * was paused or cut off for longer than its lease): none of the write was
 * kept, and the run goes on in the worker that holds it now. `runIds` names them.
 * @example
 * await store.commit(batch).catch((e) => e.code === "lease_lost" && e.runIds);
 */
export class LeaseLostError extends TransientError {
  override readonly name: string = "LeaseLostError";
  constructor(message: string, options?: StepchartErrorOptions & { runIds?: string[] }) {
    super(message, { code: "lease_lost", ...options, details: { ...options?.details, runIds: options?.runIds ?? (options?.details?.runIds as string[]) ?? [] } });
  }
  get runIds(): string[] {
    return this.details.runIds as string[];
  }
  /** The error for a batch that touched runs now held elsewhere. */
  static of(runIds: string[]): LeaseLostError {
    const shown = runIds.slice(0, 5).join(", ") + (runIds.length > 5 ? ` and ${runIds.length - 5} more` : "");
    return new LeaseLostError(`The lease on run ${shown} moved to another worker; this worker's changes to it were not written, and it goes on where its new worker holds it`, { runIds });
  }
}

export interface WorkflowFailedFields {
  workflow: string;
  runId: string;
  /** The path of the step (or block) that failed, e.g. `Ingest.Classify`. */
  step: string;
  cause: StepchartError;
  compensation?: CompensationReport;
}

/**
 * A run ended in failure. Names the workflow, run, failed step path, the
 * category of the cause, the cause itself and what compensation did.
 * @example
 * try { await run(wf, input) } catch (e) { if (e instanceof WorkflowFailed) console.log(e.step, e.category) }
 */
export class WorkflowFailed extends StepchartError {
  override readonly name: string = "WorkflowFailed";
  readonly category: ErrorCategory;
  readonly workflow: string;
  readonly runId: string;
  readonly step: string;
  readonly compensation: CompensationReport;
  declare readonly cause: StepchartError;

  constructor(fields: WorkflowFailedFields) {
    const compensation = fields.compensation ?? { ran: [], failed: [] };
    super(
      `Workflow "${fields.workflow}" (run ${fields.runId}) failed at step "${fields.step}" with a ${fields.cause.category} error (${fields.cause.code})`,
      "workflow_failed",
      {
        cause: fields.cause,
        retryable: false,
        details: { workflow: fields.workflow, runId: fields.runId, step: fields.step, compensation },
      },
    );
    this.category = fields.cause.category;
    this.workflow = fields.workflow;
    this.runId = fields.runId;
    this.step = fields.step;
    this.compensation = compensation;
  }
}

/** True for every stepchart error, including ones rebuilt from JSON. */
export function isStepchartError(value: unknown): value is StepchartError {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/**
 * The one place where any thrown value becomes a StepchartError. A plain
 * `Error` is a logic error (keeping its message); a zod error a validation
 * error; anything else a logic error describing the value.
 */
export function toStepchartError(thrown: unknown, where?: string): StepchartError {
  if (isStepchartError(thrown)) return thrown;
  if (isZodErrorLike(thrown)) {
    return ValidationError.fromIssues(where ?? "value", zodIssues(thrown), { cause: thrown });
  }
  if (thrown instanceof Error) {
    return new LogicError(thrown.message, { cause: thrown, code: "unexpected_error" });
  }
  return new LogicError(
    `${where ?? "A step"} threw a non-Error value (${previewValue(thrown)}); throw an Error or a stepchart error class instead`,
    { code: "non_error_thrown", details: { thrown: previewValue(thrown) } },
  );
}

interface ZodErrorLike {
  name: string;
  issues: { code: string; path: PropertyKey[]; message: string }[];
}

function isZodErrorLike(value: unknown): value is ZodErrorLike {
  return value instanceof Error && value.name === "ZodError" && Array.isArray((value as unknown as ZodErrorLike).issues);
}

/** Turns zod issues into ours: every issue kept, each with its code and path. */
export function zodIssues(error: ZodErrorLike): ValidationIssue[] {
  return error.issues.map((issue) => ({
    code: issue.code,
    path: issue.path.map((p) => (typeof p === "number" ? p : String(p))),
    message: issue.message,
  }));
}

function previewValue(value: unknown): string {
  let text: string;
  try {
    text = typeof value === "string" ? JSON.stringify(value) : String(JSON.stringify(value) ?? typeof value);
  } catch {
    text = typeof value;
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const STACK_LINES = 12;

/** The plain-data form of any error, for snapshots and logs. */
export function errorToJSON(error: unknown): SerializedError {
  if (!(error instanceof Error)) {
    return { name: "NonError", message: previewValue(error) };
  }
  const json: SerializedError = { name: error.name, message: error.message };
  if (isStepchartError(error)) {
    json.category = error.category;
    json.code = error.code;
    json.retryable = error.retryable;
    if (Object.keys(error.details).length > 0) json.details = structuredCloneJSON(error.details);
  }
  if (error.stack) json.stack = error.stack.split("\n").slice(0, STACK_LINES).join("\n");
  if (error.cause !== undefined) json.cause = errorToJSON(error.cause);
  return json;
}

function structuredCloneJSON(value: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

type ErrorFactory = (json: SerializedError, options: StepchartErrorOptions) => StepchartError;

const FACTORIES: Record<string, ErrorFactory> = {
  TransientError: (j, o) => new TransientError(j.message, o),
  ValidationError: (j, o) => new ValidationError(j.message, o),
  ResourceError: (j, o) => new ResourceError(j.message, o),
  DependencyError: (j, o) => new DependencyError(j.message, o),
  LogicError: (j, o) => new LogicError(j.message, o),
  NoMatchingCaseError: (j, o) => new NoMatchingCaseError(j.message, o),
  InvalidRouteError: (j, o) => new InvalidRouteError(j.message, o),
  DefinitionError: (j, o) => new DefinitionError(j.message, o),
  WaitTimeoutError: (j, o) => new WaitTimeoutError(j.message, o),
  RunCancelledError: (j, o) => new RunCancelledError(j.message, o),
  IncompatibleVersionError: (j, o) => new IncompatibleVersionError(j.message, o),
  LeaseLostError: (j, o) => new LeaseLostError(j.message, o),
  ParallelExecutionFailed: (j, o) => {
    const d = j.details ?? {};
    const errors = ((d.errors ?? []) as { branch: string; path: string; error: SerializedError }[]).map((e) => ({
      branch: e.branch,
      path: e.path,
      error: stepchartErrorFromJSON(e.error),
    }));
    return new ParallelExecutionFailed(String(d.block), Number(d.total), errors, o);
  },
  MaxRetriesExceededError: (j, o) => {
    const d = j.details ?? {};
    return new MaxRetriesExceededError(String(d.where), Number(d.attempts), toStepchartError(o.cause), o);
  },
  WorkflowFailed: (j, o) => {
    const d = j.details ?? {};
    return new WorkflowFailed({
      workflow: String(d.workflow),
      runId: String(d.runId),
      step: String(d.step),
      cause: toStepchartError(o.cause),
      compensation: d.compensation as CompensationReport,
    });
  },
};

const BY_CATEGORY: Record<ErrorCategory, ErrorFactory> = {
  transient: FACTORIES.TransientError!,
  validation: FACTORIES.ValidationError!,
  resource: FACTORIES.ResourceError!,
  dependency: FACTORIES.DependencyError!,
  logic: FACTORIES.LogicError!,
};

/**
 * Registers how to rebuild an error class from JSON; used by modules that add
 * error classes (parallel, retry, waits) so that `errorFromJSON` knows them.
 */
export function registerErrorClass(name: string, factory: ErrorFactory): void {
  FACTORIES[name] = factory;
}

/**
 * Rebuilds an error from its JSON form. Stepchart errors come back as their
 * class (or the class of their category); other errors as a plain Error with
 * the same name, message and stack.
 */
export function errorFromJSON(json: SerializedError): Error {
  const cause = json.cause === undefined ? undefined : errorFromJSON(json.cause);
  let error: Error;
  if (json.category !== undefined) {
    const factory = FACTORIES[json.name] ?? BY_CATEGORY[json.category];
    error = factory(json, {
      ...(cause === undefined ? {} : { cause }),
      ...(json.code === undefined ? {} : { code: json.code }),
      ...(json.retryable === undefined ? {} : { retryable: json.retryable }),
      ...(json.details === undefined ? {} : { details: json.details }),
    });
    if (error.name !== json.name) Object.defineProperty(error, "name", { value: json.name });
  } else {
    error = new Error(json.message, cause === undefined ? undefined : { cause });
    Object.defineProperty(error, "name", { value: json.name, enumerable: false, configurable: true, writable: true });
  }
  if (json.stack !== undefined) error.stack = json.stack;
  return error;
}

/** `errorFromJSON` for JSON that must hold a stepchart error (a category); anything else becomes a LogicError. */
export function stepchartErrorFromJSON(json: SerializedError): StepchartError {
  return toStepchartError(errorFromJSON(json));
}
