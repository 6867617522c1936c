// Reads how a finished run ended from its snapshot: its output, or the
// WorkflowFailed that describes its failure.
import { RunCancelledError, stepchartErrorFromJSON, WorkflowFailed, type CompensationReport } from "../errors.js";
import { failureIn, MAIN_SLOT, type RunContext } from "../compile/context.js";
import { CANCELLED_TAG, FAILED_TAG } from "../compile/workflow.js";

export type Outcome<TOutput> =
  | { status: "done"; output: TOutput }
  | { status: "failed"; error: WorkflowFailed }
  | { status: "cancelled"; error: RunCancelledError; compensation: CompensationReport };

interface FinishedSnapshot {
  status: string;
  output?: unknown;
  context: RunContext;
  hasTag(tag: string): boolean;
}

/** The outcome of a snapshot whose status is "done". */
export function outcomeOf<TOutput>(snapshot: FinishedSnapshot, workflow: string): Outcome<TOutput> {
  if (snapshot.hasTag(CANCELLED_TAG)) {
    const { runId, compensation } = snapshot.context;
    const error = new RunCancelledError(`Run ${runId} of workflow "${workflow}" was cancelled; compensated: ${compensation.ran.join(", ") || "nothing"}`, {
      details: { runId, workflow, compensation },
    });
    return { status: "cancelled", error, compensation };
  }
  if (!snapshot.hasTag(FAILED_TAG)) return { status: "done", output: snapshot.output as TOutput };
  const { runId } = snapshot.context;
  const failed = failureIn(snapshot.context, MAIN_SLOT)!;
  const { compensation } = snapshot.context;
  return {
    status: "failed",
    error: new WorkflowFailed({
      workflow,
      runId,
      step: failed.path,
      cause: stepchartErrorFromJSON(failed.error),
      compensation,
    }),
  };
}
