import { createActor, SimulatedClock } from "xstate";
import { describe, expect, it } from "vitest";
import {
  compile,
  DependencyError,
  LogicError,
  MaxRetriesExceededError,
  ResourceError,
  retry,
  run,
  start,
  step,
  TransientError,
  ValidationError,
  workflow,
  type StepContext,
} from "../../src/index.js";
import { TestClock } from "../../src/testing/index.js";
import { flush } from "../support/gate.js";

const quiet = { log: () => undefined };

/** A step that fails `failures` times with `error`, recording when each attempt started. */
function flaky(failures: number, error: () => Error, clock: { now(): number }) {
  const attempts: { at: number; ctx: StepContext; input: unknown }[] = [];
  const s = step("flaky", (input: unknown, ctx) => {
    attempts.push({ at: clock.now(), ctx, input });
    if (attempts.length <= failures) throw error();
    return `ok after ${attempts.length}`;
  });
  return { s, attempts };
}

describe("retry compiles to a self-loop with a durable timer", () => {
  const config = (compile(workflow("W", retry(step("s", (x: number) => x), { maxRetries: 2 }))).config as any).states.s;

  it("has $run, $check, $backoff and $done, $backoff invoking the timer actor", () => {
    expect(Object.keys(config.states)).toEqual(["$run", "$check", "$backoff", "$done"]);
    expect(config.states.$backoff.invoke.src).toBe("stepchart.timer");
    expect(config.states.$backoff.invoke.onDone.target).toBe("$run");
    expect(config.states.$check.always.map((t: any) => t.target)).toEqual(["$backoff", "#W.$failed"]);
  });
});

describe("retry at run time", () => {
  it("waits 1s, 2s, 4s, then 5s capped at maxDelay, on XState's SimulatedClock", async () => {
    const clock = new SimulatedClock();
    const { s, attempts } = flaky(4, () => new TransientError("blip"), clock);
    const handle = start(retry(s, { maxRetries: 5, initialDelay: "1s", backoffMultiplier: 2, maxDelay: "5s" }), null, { ...quiet, clock });
    for (const ms of [1000, 2000, 4000, 5000]) {
      await flush();
      clock.increment(ms);
    }
    expect(await handle.result).toBe("ok after 5");
    expect(attempts.map((a) => a.at)).toEqual([0, 1000, 3000, 7000, 12000]);
  });

  it("does not retry early: nothing happens until the delay has passed", async () => {
    const clock = new TestClock();
    const { s, attempts } = flaky(1, () => new TransientError("blip"), clock);
    const handle = start(retry(s, { initialDelay: "1s" }), null, { ...quiet, clock });
    await clock.advance(999);
    expect(attempts).toHaveLength(1);
    await clock.advance(1);
    expect(attempts).toHaveLength(2);
    expect(await handle.result).toBe("ok after 2");
  });

  it("fails with MaxRetriesExceededError, the last error as cause and the attempt count, after maxRetries", async () => {
    const clock = new TestClock();
    let n = 0;
    const s = step("down", () => {
      throw new DependencyError(`down #${++n}`);
    });
    const result = run(workflow("W", retry(s, { maxRetries: 2, initialDelay: 10 })), null, { ...quiet, clock }).catch((e: any) => e);
    await clock.advance(100);
    const error: any = await result;
    expect(error.step).toBe("down");
    expect(error.category).toBe("dependency");
    expect(error.cause).toBeInstanceOf(MaxRetriesExceededError);
    expect(error.cause.attempts).toBe(3);
    expect(error.cause.cause.message).toBe("down #3");
    expect(error.cause.message).toBe('"down" failed on all 3 attempts; the last failure was dependency (dependency_unavailable)');
  });

  it.each([
    ["validation", () => new ValidationError("bad input")],
    ["logic", () => new LogicError("bug")],
    ["a plain Error (logic)", () => new Error("bug")],
  ])("never retries a %s error by default", async (_name, make) => {
    const clock = new TestClock();
    const { s, attempts } = flaky(5, make, clock);
    const error = await run(retry(s), null, { ...quiet, clock }).catch((e: any) => e);
    expect(attempts).toHaveLength(1);
    expect(error.cause).not.toBeInstanceOf(MaxRetriesExceededError);
  });

  it("retries only what retryOn accepts", async () => {
    const clock = new TestClock();
    const { s, attempts } = flaky(5, () => new TransientError("x", { code: "http_503" }), clock);
    const error = await run(retry(s, { retryOn: (e) => e.code === "http_429" }), null, { ...quiet, clock }).catch((e: any) => e);
    expect(attempts).toHaveLength(1);
    expect(error.cause.code).toBe("http_503");
  });

  it("gives each attempt its own attempt number and idempotency key, and the same input", async () => {
    const clock = new TestClock();
    const { s, attempts } = flaky(2, () => new TransientError("blip"), clock);
    const result = run(retry(s, { initialDelay: 1 }), { id: 7 }, { ...quiet, clock, runId: "r" });
    await clock.advance(10);
    await result;
    expect(attempts.map((a) => [a.ctx.attempt, a.ctx.idempotencyKey])).toEqual([
      [1, "r:flaky:1"],
      [2, "r:flaky:2"],
      [3, "r:flaky:3"],
    ]);
    expect(attempts.map((a) => a.input)).toEqual([{ id: 7 }, { id: 7 }, { id: 7 }]);
  });

  it("waits at least the retryAfterMs a ResourceError asks for", async () => {
    const clock = new TestClock();
    const { s, attempts } = flaky(1, () => new ResourceError("rate limited", { retryAfterMs: 7000 }), clock);
    const result = run(retry(s, { initialDelay: "1s" }), null, { ...quiet, clock });
    await clock.advance(10_000);
    await result;
    expect(attempts.map((a) => a.at)).toEqual([0, 7000]);
  });

  it("applies as a step option together with a per-attempt timeout", async () => {
    const clock = new TestClock();
    const signals: AbortSignal[] = [];
    const s = step("hangs", (_x: unknown, ctx) => (signals.push(ctx.signal), new Promise(() => undefined)), {
      retry: { maxRetries: 1, initialDelay: "1s" },
      timeout: "5s",
    });
    const result = run(workflow("W", s), null, { ...quiet, clock }).catch((e: any) => e);
    await clock.advance(5000);
    await clock.advance(1000);
    await clock.advance(5000);
    const error: any = await result;
    expect(signals.map((x) => x.aborted)).toEqual([true, true]);
    expect(error.cause).toBeInstanceOf(MaxRetriesExceededError);
    expect(error.cause.cause.code).toBe("timeout");
  });

  it("after a restore during the backoff, waits only what is left of the delay", async () => {
    const clock = new TestClock(1_000_000);
    const { s, attempts } = flaky(1, () => new TransientError("blip"), clock);
    const wf = workflow("W", retry(s, { initialDelay: "10s" }));
    const first = start(wf, null, { ...quiet, clock, runId: "r" });
    await clock.advance(4000);
    const persisted = JSON.parse(JSON.stringify(first.snapshot()));
    first.actor.stop();
    expect(persisted.context.deadlines).toEqual({ flaky: 1_010_000 });

    const second = createActor(compile(wf), { snapshot: persisted, clock, input: undefined });
    const out = new Promise((resolve) => second.subscribe({ complete: () => resolve(second.getSnapshot().output) }));
    second.start();
    await clock.advance(5999);
    expect(attempts).toHaveLength(1);
    await clock.advance(1);
    expect(await out).toBe("ok after 2");
    expect(attempts.map((a) => a.at)).toEqual([1_000_000, 1_010_000]);
  });

  it("fires at once when restored after its deadline has passed", async () => {
    const clock = new TestClock();
    const { s, attempts } = flaky(1, () => new TransientError("blip"), clock);
    const wf = workflow("W", retry(s, { initialDelay: "1m" }));
    const first = start(wf, null, { ...quiet, clock });
    await clock.advance(10);
    const persisted = first.snapshot();
    first.actor.stop();
    await clock.advance(3_600_000);
    const second = createActor(compile(wf), { snapshot: persisted as any, clock, input: undefined });
    const out = new Promise((resolve) => second.subscribe({ complete: () => resolve(second.getSnapshot().output) }));
    second.start();
    await flush();
    expect(await out).toBe("ok after 2");
    expect(attempts[1]!.at).toBe(3_600_010);
  });
});
