// Reads how a finished run ended from its snapshot: its output, or the
// WorkflowFailed that describes its failure.
import { stepchartErrorFromJSON, WorkflowFailed } from "../errors.js";
import type { RunContext } from "../compile/context.js";
import { FAILED_TAG } from "../compile/workflow.js";

export type Outcome<TOutput> = { status: "done"; output: TOutput } | { status: "failed"; error: WorkflowFailed };

interface FinishedSnapshot {
  status: string;
  output?: unknown;
  context: RunContext;
  hasTag(tag: string): boolean;
}

/** The outcome of a snapshot whose status is "done". */
export function outcomeOf<TOutput>(snapshot: FinishedSnapshot, workflow: string): Outcome<TOutput> {
  if (!snapshot.hasTag(FAILED_TAG)) return { status: "done", output: snapshot.output as TOutput };
  const { error, runId } = snapshot.context;
  const failed = error!;
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
