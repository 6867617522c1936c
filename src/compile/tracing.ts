// OpenTelemetry spans: one per run (started by whoever runs it: the runtime or
// the engine) and one per step attempt, as a child of the run's span. Through
// @opentelemetry/api only: a no-op until the application registers an SDK, and
// cheap then (attributes are built only for recording spans).
import { context, SpanStatusCode, trace, type Context, type Span } from "@opentelemetry/api";
import type { SerializedError } from "../errors.js";

const tracer = trace.getTracer("stepchart");

/** Attribute names, stable for dashboards. */
export const ATTR = {
  workflow: "stepchart.workflow",
  runId: "stepchart.run_id",
  stepPath: "stepchart.step.path",
  attempt: "stepchart.step.attempt",
  category: "stepchart.error.category",
  code: "stepchart.error.code",
  withdrawn: "stepchart.step.withdrawn",
  status: "stepchart.run.status",
} as const;

/** Starts a run's span; its context is the parent of the run's step spans. */
export function startRunSpan(workflow: string, runId: string): { span: Span; context: Context } {
  const span = tracer.startSpan(`workflow ${workflow}`);
  if (span.isRecording()) span.setAttributes({ [ATTR.workflow]: workflow, [ATTR.runId]: runId });
  return { span, context: trace.setSpan(context.active(), span) };
}

/** Ends a run's span with how the run ended. */
export function endRunSpan(span: Span, status: string, error?: { category?: string; code?: string; message?: string }): void {
  if (span.isRecording()) {
    span.setAttribute(ATTR.status, status);
    if (error) {
      if (error.category) span.setAttribute(ATTR.category, error.category);
      if (error.code) span.setAttribute(ATTR.code, error.code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message ?? status });
    }
  }
  span.end();
}

export function startStepSpan(parent: Context | undefined, runId: string, path: string, attempt: number): Span {
  const span = tracer.startSpan(`step ${path}`, undefined, parent ?? context.active());
  if (span.isRecording()) span.setAttributes({ [ATTR.runId]: runId, [ATTR.stepPath]: path, [ATTR.attempt]: attempt });
  return span;
}

/** Runs `fn` with `span` as the active span, so spans the step's own code starts nest under it. */
export function withSpan<T>(span: Span, fn: () => T): T {
  return span.isRecording() ? context.with(trace.setSpan(context.active(), span), fn) : fn();
}

export function endStepSpan(span: Span, outcome: { error?: SerializedError; withdrawn?: boolean } = {}): void {
  if (span.isRecording()) {
    if (outcome.withdrawn) span.setAttribute(ATTR.withdrawn, true);
    if (outcome.error) {
      if (outcome.error.category) span.setAttribute(ATTR.category, outcome.error.category);
      if (outcome.error.code) span.setAttribute(ATTR.code, outcome.error.code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error.message });
    }
  }
  span.end();
}
