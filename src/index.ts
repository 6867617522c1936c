// The package root: the public API of stepchart (../shared/API.md). Every
// name is exported explicitly; nothing internal is re-exported by accident.

export {
  StepchartError,
  TransientError,
  ValidationError,
  ResourceError,
  DependencyError,
  LogicError,
  WorkflowFailed,
  NoMatchingCaseError,
  InvalidRouteError,
  DefinitionError,
  ParallelExecutionFailed,
  MaxRetriesExceededError,
  WaitTimeoutError,
  RunCancelledError,
  IncompatibleVersionError,
  LeaseLostError,
  isStepchartError,
  toStepchartError,
  errorToJSON,
  errorFromJSON,
  ERROR_CATEGORIES,
} from "./errors.js";
export type { ErrorCategory, ValidationIssue, CompensationReport, SerializedError, StepchartErrorOptions, BranchError } from "./errors.js";

export type { Clock } from "./clock.js";
export { systemClock } from "./clock.js";

export type { Flow, InputOf, OutputOf, StepRun, RouteChooser } from "./dsl/flow.js";
export type { StepContext, StepLogger } from "./dsl/step-context.js";
export type { Duration } from "./dsl/duration.js";
export { step } from "./dsl/step.js";
export type { Step, StepOptions, BreakerOptions } from "./dsl/step.js";
export { sequence } from "./dsl/sequence.js";
export { choose } from "./dsl/choose.js";
export type { Case } from "./dsl/choose.js";
export { route } from "./dsl/route.js";
export type { RouteOptions } from "./dsl/route.js";
export { llmRouter } from "./dsl/llm-router.js";
export type { LlmClient, LlmCompletionOptions, LlmRouterOptions } from "./dsl/llm-router.js";
export { parallel } from "./dsl/parallel.js";
export type { ParallelOptions } from "./dsl/parallel.js";
export { map } from "./dsl/map.js";
export type { MapOptions, MapThenOptions, MapCombineThenOptions } from "./dsl/map.js";
export { pipeline } from "./dsl/pipeline.js";
export type { PipelineOptions, StageOptions } from "./dsl/pipeline.js";
export { retry } from "./dsl/retry.js";
export type { RetryOptions } from "./dsl/retry.js";
export { timeout } from "./dsl/timeout.js";
export { compensate } from "./dsl/compensate.js";
export type { Compensation } from "./dsl/compensate.js";
export { saga, DEFAULT_COMPENSATE_ON } from "./dsl/saga.js";
export type { SagaOptions } from "./dsl/saga.js";
export { waitFor } from "./dsl/wait-for.js";
export type { WaitForOptions } from "./dsl/wait-for.js";
export { sleep } from "./dsl/sleep.js";
export { cancelOn } from "./dsl/cancel-on.js";
export type { CancelOnOptions } from "./dsl/cancel-on.js";
export { critical } from "./dsl/critical.js";
export { call } from "./dsl/call.js";
export type { CallOptions } from "./dsl/call.js";
export type { EscalationOptions } from "./dsl/escalation.js";
export type { EscalationInfo } from "./dsl/flow.js";
export { workflow } from "./dsl/workflow.js";
export type { Workflow, WorkflowOptions } from "./dsl/workflow.js";

export { compile } from "./compile/compile.js";
export type { WorkflowMachine } from "./compile/machine.js";
export type { LogEntry, LogLevel } from "./compile/services.js";
export { BreakerRegistry, CircuitBreaker } from "./compile/breaker.js";
export type { BreakerState } from "./compile/breaker.js";
export { LimiterRegistry, Limiter, type Limits } from "./compile/limiter.js";

export { run, start } from "./runtime/start.js";
export type { RunOptions, RunHandle } from "./runtime/start.js";

export { createEngine } from "./engine/engine.js";
export type { Engine, EngineOptions, StartOptions, RunView } from "./engine/engine.js";
export type { ScheduleOptions, ScheduleView } from "./engine/schedules.js";
export { checkCompatibility } from "./engine/version.js";
export type { Compatibility } from "./engine/version.js";
export { memoryStore } from "./store/memory/memory-store.js";
export { sqliteStore } from "./store/sqlite/sqlite-store.js";
export { codecStore, type Codec } from "./store/codec.js";
export { aesGcmCodec, type AesGcmOptions } from "./store/aes-gcm-codec.js";
export type { SqliteOptions } from "./store/sqlite/database.js";
export { postgresStore } from "./store/postgres/postgres-store.js";
export type { PostgresOptions, PostgresStore } from "./store/postgres/postgres-store.js";
export type { Store, RunStatus, RunRecord, RunFilter, ScheduleRecord, ScheduleOverlap, ScheduleCatchup, CacheRecord, CacheFilter } from "./store/store.js";

export { toMermaid } from "./visualize/mermaid.js";
export { startInspector } from "./visualize/inspector.js";
export type { InspectorServer, InspectorOptions } from "./visualize/inspector.js";
export { toSvg } from "./visualize/svg.js";
export type { DiagramOptions } from "./visualize/diagram-options.js";
export type { DiagramSource } from "./visualize/source.js";
