import { SimulatedClock } from "xstate";
import { describe, expect, it } from "vitest";
import { run, sequence, start, step, TransientError, workflow, WorkflowFailed, type LogEntry, type StepContext } from "../../src/index.js";
import { Gate, flush } from "../support/gate.js";

describe("run", () => {
  it("resolves with the output, each step's output being the next step's input", async () => {
    const wf = workflow("W", sequence("S", [step("parse", (s: string) => s.split(",")), step("count", (xs: string[]) => xs.length), step("double", (n: number) => n * 2)]));
    expect(await run(wf, "a,b,c")).toBe(6);
  });

  it("accepts a bare flow as well as a workflow", async () => {
    expect(await run(step("inc", (x: number) => x + 1), 1)).toBe(2);
  });

  it("runs sync and async steps alike", async () => {
    const wf = workflow("W", sequence("S", [step("sync", (x: number) => x + 1), step("async", async (x: number) => x * 3)]));
    expect(await run(wf, 1)).toBe(6);
  });

  it("rejects with WorkflowFailed naming the step path, the category and the cause", async () => {
    const wf = workflow("Booking", sequence("steps", [step("reserve", () => "ok"), step("charge", async () => {
      throw new TransientError("card api timeout", { code: "http_504" });
    })]));
    const error = await run(wf, null, { runId: "r-1" }).catch((e) => e);
    expect(error).toBeInstanceOf(WorkflowFailed);
    expect(error.step).toBe("steps.charge");
    expect(error.category).toBe("transient");
    expect(error.cause).toBeInstanceOf(TransientError);
    expect(error.cause.code).toBe("http_504");
    expect(error.compensation).toEqual({ ran: [], failed: [] });
    expect(error.message).toBe('Workflow "Booking" (run r-1) failed at step "steps.charge" with a transient error (http_504)');
  });

  it("treats a synchronous throw like a rejection", async () => {
    const error = await run(step("boom", () => {
      throw new RangeError("index 9 out of range");
    }), null).catch((e) => e);
    expect(error.category).toBe("logic");
    expect(error.cause.message).toBe("index 9 out of range");
    expect(error.cause.cause.name).toBe("RangeError");
  });

  it("turns a thrown non-Error into a logic error that names the step", async () => {
    const error = await run(step("weird", () => {
      throw { status: 500 };
    }), null).catch((e) => e);
    expect(error.cause.code).toBe("non_error_thrown");
    expect(error.cause.message).toBe('step "weird" threw a non-Error value ({"status":500}); throw an Error or a stepchart error class instead');
  });

  it("runs no step after a failure", async () => {
    const ran: string[] = [];
    const wf = workflow("W", sequence("S", [step("a", () => ran.push("a")), step("b", () => {
      throw new Error("x");
    }), step("c", () => ran.push("c"))]));
    await run(wf, null).catch(() => undefined);
    expect(ran).toEqual(["a"]);
  });
});

describe("the step context", () => {
  it("carries the run id, the step path, attempt 1 and an idempotency key made of them", async () => {
    const seen: StepContext[] = [];
    const wf = workflow("W", sequence("S", [step("a", (_x: unknown, ctx) => void seen.push(ctx))]));
    await run(wf, null, { runId: "run-42" });
    expect(seen[0]!.runId).toBe("run-42");
    expect(seen[0]!.path).toBe("S.a");
    expect(seen[0]!.attempt).toBe(1);
    expect(seen[0]!.idempotencyKey).toBe("run-42:S.a:1");
    expect(seen[0]!.signal.aborted).toBe(false);
  });

  it("sends ctx.log lines to the log sink with the run id and path", async () => {
    const lines: LogEntry[] = [];
    const wf = workflow("W", step("a", (_x: unknown, ctx) => ctx.log.info("classified", { type: "invoice" })));
    await run(wf, null, { runId: "r", log: (e) => lines.push(e) });
    expect(lines).toEqual([{ level: "info", message: "classified", runId: "r", path: "a", fields: { type: "invoice" } }]);
  });

  it("gives every run its own id when none is given", async () => {
    const ids = new Set<string>();
    const wf = step("id", (_x: unknown, ctx) => void ids.add(ctx.runId));
    await Promise.all([run(wf, null), run(wf, null), run(wf, null)]);
    expect(ids.size).toBe(3);
  });
});

describe("start", () => {
  it("returns a handle with the run id, the actor, the result and a JSON snapshot", async () => {
    const gate = new Gate();
    const handle = start(workflow("W", step("wait", gate.fn)), 1, { runId: "h-1" });
    expect(handle.runId).toBe("h-1");
    expect(handle.actor.getSnapshot().status).toBe("active");
    await flush();
    expect(JSON.parse(JSON.stringify(handle.snapshot()))).toMatchObject({ value: "wait", context: { runId: "h-1" } });
    gate.last.resolve("ok");
    expect(await handle.result).toBe("ok");
  });

  it("ignores an event the run cannot take now (a transient trigger)", async () => {
    const gate = new Gate();
    const handle = start(step("wait", gate.fn), 1);
    await flush();
    handle.send({ type: "APPROVE" });
    gate.last.resolve(2);
    expect(await handle.result).toBe(2);
  });

  it("does not crash the process when a failed run's result is never awaited", async () => {
    const handle = start(step("boom", () => {
      throw new Error("unobserved");
    }), null);
    await flush();
    expect(handle.actor.getSnapshot().value).toBe("$failed");
  });

  it("hands the clock it is given to XState", () => {
    const clock = new SimulatedClock();
    const handle = start(step("x", (x: number) => x), 1, { clock });
    expect(handle.actor.clock).toBe(clock);
  });
});
