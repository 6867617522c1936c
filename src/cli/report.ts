// How the CLI prints failures: category, step path, cause and what to do;
// a stack trace only with --verbose.
import { isStepchartError, WorkflowFailed, type ErrorCategory } from "../errors.js";

const ADVICE: Record<ErrorCategory, string> = {
  transient: "it may pass if you run it again; wrap the step in retry() to do that automatically",
  validation: "fix the input (every issue is listed above); retrying the same input will fail again",
  resource: "wait for capacity or quota to free up, then run it again",
  dependency: "check that the service the step depends on is up, then run it again",
  logic: "the code needs a fix: see the cause above",
};

export function describeFailure(error: unknown, verbose: boolean): string {
  const lines: string[] = [];
  if (error instanceof WorkflowFailed) {
    lines.push(`✗ ${error.workflow} failed at ${error.step}`);
    lines.push(`  category: ${error.category} (${error.cause.code})`);
    lines.push(`  cause:    ${indent(error.cause.message)}`);
    if (error.compensation.ran.length || error.compensation.failed.length) {
      lines.push(`  compensated: ${error.compensation.ran.join(", ") || "none"}; compensation failed: ${error.compensation.failed.join(", ") || "none"}`);
    }
    lines.push(`  what to do: ${ADVICE[error.category]}`);
  } else if (isStepchartError(error)) {
    lines.push(`✗ ${error.message}`, `  category: ${error.category} (${error.code})`);
  } else {
    lines.push(`✗ ${error instanceof Error ? error.message : String(error)}`);
  }
  if (verbose && error instanceof Error && error.stack) lines.push("", error.stack);
  return lines.join("\n");
}

function indent(text: string): string {
  return text.split("\n").join("\n            ");
}
