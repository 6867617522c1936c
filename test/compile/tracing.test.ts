import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { retry, run, sequence, step, TransientError, workflow } from "../../src/index.js";
import { TestClock } from "../../src/testing/index.js";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(provider);
});
afterAll(async () => {
  trace.disable();
  context.disable();
  await provider.shutdown();
});
beforeEach(() => exporter.reset());

const quiet = { log: () => undefined };

describe("OpenTelemetry spans", () => {
  it("records a span per run and per step attempt, with the run as the steps' parent", async () => {
    let calls = 0;
    const clock = new TestClock();
    const wf = workflow("Traced", sequence("Traced", [
      step("prepare", (x: number) => x + 1),
      retry(step("flaky", (x: number) => {
        if (++calls === 1) throw new TransientError("blip", { code: "http_503" });
        return x * 2;
      }), { initialDelay: 10 }),
    ]));
    const result = run(wf, 1, { ...quiet, clock, runId: "r-7" });
    await clock.advance(10);
    expect(await result).toBe(4);
    const spans = exporter.getFinishedSpans();
    const runSpan = spans.find((s) => s.name === "workflow Traced")!;
    expect(runSpan.attributes).toMatchObject({ "stepchart.workflow": "Traced", "stepchart.run_id": "r-7", "stepchart.run.status": "done" });
    const steps = spans.filter((s) => s.name.startsWith("step "));
    expect(steps.map((s) => [s.name, s.attributes["stepchart.step.attempt"], s.attributes["stepchart.error.category"] ?? null])).toEqual([
      ["step Traced.prepare", 1, null],
      ["step Traced.flaky", 1, "transient"],
      ["step Traced.flaky", 2, null],
    ]);
    expect(steps[1]!.attributes["stepchart.error.code"]).toBe("http_503");
    for (const s of steps) expect(s.parentSpanContext?.spanId).toBe(runSpan.spanContext().spanId);
  });

  it("nests the spans a step's own code starts under the step's span", async () => {
    const tracer = trace.getTracer("user-code");
    const wf = workflow("Nested", step("call", () => tracer.startActiveSpan("http GET /labs", (span) => (span.end(), "ok"))));
    await run(wf, null, quiet);
    const spans = exporter.getFinishedSpans();
    const stepSpan = spans.find((s) => s.name === "step call")!;
    expect(spans.find((s) => s.name === "http GET /labs")!.parentSpanContext?.spanId).toBe(stepSpan.spanContext().spanId);
  });

  it("marks a failed run's span with the category and code", async () => {
    await run(workflow("Bad", step("boom", () => {
      throw new Error("nope");
    })), null, quiet).catch(() => undefined);
    const runSpan = exporter.getFinishedSpans().find((s) => s.name === "workflow Bad")!;
    expect(runSpan.attributes).toMatchObject({ "stepchart.run.status": "failed", "stepchart.error.category": "logic" });
    expect(runSpan.status.code).toBe(2);
  });
});
