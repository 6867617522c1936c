// `stepchart/testing`: tools for testing workflows.
//
// Every path of a workflow comes from its test projection (projection.ts): an
// XState machine with the compiled machine's states in which each step, timer,
// wait and decision is an event, traversed with xstate/graph. The projection
// is derived from the definition tree rather than from the compiled config:
// the tree says which states run which step, which error categories the
// handlers around a step treat differently and which compensation undoes
// which flow, so paths come out exact and readable ("Charge fails (logic) →
// Reserve is compensated → fails at Booking.Charge (logic)"). Each path is then
// replayed on the real compiled machine (simulate.ts: the real compiler, fed a
// copy of the tree whose steps follow a script) on a TestClock, and the
// invariants are checked on both (invariants.ts).
export { TestClock } from "./test-clock.js";
export { paths, type PathList, type PathOptions, type WorkflowPath } from "./paths.js";
export type { ProjectedEvent, EventKind } from "./projection.js";
export { simulate, type Simulation, type SimulateOptions, type TraceEntry, type StepOutcome, type Decision, type Answer, type CompensationOutcome, type Operator } from "./simulate.js";
export { inputClasses, type InputClass } from "./input-classes.js";
export { check, formatViolations, type CheckOptions, type CheckReport, type Violation, type Invariant } from "./invariants.js";
export { coverageOf, type CoverageReport } from "./coverage.js";
export { testEveryPath, type TestFunction, type EveryPathTests } from "./test-every-path.js";
