import { describe, expect, it } from "vitest";
import {
  compile,
  DefinitionError,
  LimiterRegistry,
  run,
  RunCancelledError,
  sequence,
  start,
  step,
  TransientError,
  workflow,
} from "../../src/index.js";
import { TestClock } from "../../src/testing/index.js";
import { flush, Gate } from "../support/gate.js";

const quiet = { log: () => undefined };

describe("shared limits on steps", () => {
  it("holds a rate: the third call within a second waits in $permit until a token is due", async () => {
    const clock = new TestClock();
    const limiters = new LimiterRegistry();
    const at: number[] = [];
    const call = step("call", (n: number): number => {
      at.push(clock.now());
      return n;
    }, { limit: { name: "api", rate: "2/s" } });
    const wf = workflow("Call", call);
    const handles = [1, 2, 3].map((n) => start(wf, n, { ...quiet, clock, limiters }));
    await flush();
    expect(at).toEqual([0, 0]);
    expect(handles[2]!.actor.getSnapshot().value).toEqual({ call: "$permit" });
    await clock.advance(499);
    expect(at).toEqual([0, 0]);
    await clock.advance(1);
    expect(at).toEqual([0, 0, 500]);
    expect(await Promise.all(handles.map((h) => h.result))).toEqual([1, 2, 3]);
  });

  it("refills tokens over time up to the burst, never beyond it", async () => {
    const clock = new TestClock();
    const limiters = new LimiterRegistry();
    const at: number[] = [];
    const wf = workflow("Call", step("call", () => void at.push(clock.now()), { limit: { name: "api", rate: "2/s" } }));
    await run(wf, null, { ...quiet, clock, limiters });
    await clock.advance(10_000);
    const handles = [1, 2, 3, 4].map(() => start(wf, null, { ...quiet, clock, limiters }));
    await clock.advance(1_000);
    await Promise.all(handles.map((h) => h.result));
    expect(at).toEqual([0, 10_000, 10_000, 10_500, 11_000]);
  });

  it("holds a concurrency: at most N calls at once, waiters served in the order they asked", async () => {
    const limiters = new LimiterRegistry();
    const gate = new Gate();
    const wf = workflow("Query", step("query", gate.fn, { limit: { name: "db", concurrency: 2 } }));
    const handles = ["a", "b", "c", "d"].map((input) => start(wf, input, { ...quiet, limiters }));
    await flush();
    expect(gate.calls.map((c) => c.input)).toEqual(["a", "b"]);
    expect(limiters.find("db")!.running).toBe(2);
    expect(limiters.find("db")!.waiting).toBe(2);
    expect(handles.map((h) => h.actor.getSnapshot().value)).toEqual([
      { query: "$run" },
      { query: "$run" },
      { query: "$permit" },
      { query: "$permit" },
    ]);
    gate.calls[1]!.resolve("B");
    await flush();
    expect(gate.calls.map((c) => c.input)).toEqual(["a", "b", "c"]);
    gate.calls[0]!.reject(new TransientError("lost"));
    await flush();
    expect(gate.calls.map((c) => c.input)).toEqual(["a", "b", "c", "d"]);
    gate.calls[2]!.resolve("C");
    gate.calls[3]!.resolve("D");
    const results = await Promise.allSettled(handles.map((h) => h.result));
    expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled", "fulfilled", "fulfilled"]);
    expect(limiters.find("db")!.running).toBe(0);
  });

  it("gives the permit back when a running step is withdrawn by a cancel", async () => {
    const limiters = new LimiterRegistry();
    const gate = new Gate();
    const wf = workflow("Query", step("query", gate.fn, { limit: { name: "db", concurrency: 1 } }));
    const first = start(wf, "first", { ...quiet, limiters });
    const second = start(wf, "second", { ...quiet, limiters });
    await flush();
    expect(gate.calls.map((c) => c.input)).toEqual(["first"]);
    first.cancel();
    await expect(first.result).rejects.toBeInstanceOf(RunCancelledError);
    await flush();
    expect(gate.calls.map((c) => c.input)).toEqual(["first", "second"]);
    expect(gate.calls[0]!.ctx.signal.aborted).toBe(true);
    gate.calls[1]!.resolve("ok");
    expect(await second.result).toBe("ok");
  });

  it("takes a waiter out of the queue when its run is cancelled while it waits", async () => {
    const limiters = new LimiterRegistry();
    const gate = new Gate();
    const wf = workflow("Query", step("query", gate.fn, { limit: { name: "db", concurrency: 1 } }));
    const holder = start(wf, "holder", { ...quiet, limiters });
    const leaver = start(wf, "leaver", { ...quiet, limiters });
    const stayer = start(wf, "stayer", { ...quiet, limiters });
    await flush();
    leaver.cancel();
    await expect(leaver.result).rejects.toBeInstanceOf(RunCancelledError);
    expect(limiters.find("db")!.waiting).toBe(1);
    gate.calls[0]!.resolve("done");
    await holder.result;
    await flush();
    expect(gate.calls.map((c) => c.input)).toEqual(["holder", "stayer"]);
    gate.calls[1]!.resolve("done");
    await stayer.result;
  });

  it("counts the wait for a permit against the step's timeout", async () => {
    const clock = new TestClock();
    const limiters = new LimiterRegistry();
    const gate = new Gate();
    const limit = { name: "db", concurrency: 1 };
    const holder = start(workflow("Hold", step("hold", gate.fn, { limit })), "holder", { ...quiet, clock, limiters });
    const late = start(workflow("Query", step("query", gate.fn, { limit, timeout: "5s" })), "late", { ...quiet, clock, limiters });
    const failure: Promise<any> = late.result.catch((e: unknown) => e);
    await clock.advance(5_000);
    expect((await failure).cause.code).toBe("timeout");
    expect(gate.calls.map((c) => c.input)).toEqual(["holder"]);
    expect(limiters.find("db")!.waiting).toBe(0);
    gate.calls[0]!.resolve("done");
    await holder.result.catch(() => undefined);
  });

  it("takes a fresh permit for every retry attempt and releases the failed one", async () => {
    const clock = new TestClock();
    const limiters = new LimiterRegistry();
    let calls = 0;
    const flaky = step("flaky", () => {
      calls++;
      if (calls < 3) throw new TransientError("busy");
      return "ok";
    }, { limit: { name: "db", concurrency: 1 }, retry: { maxRetries: 3, initialDelay: "1s", jitter: false } });
    const result = run(workflow("W", flaky), null, { ...quiet, clock, limiters });
    await clock.advance(10_000);
    expect(await result).toBe("ok");
    expect(calls).toBe(3);
    expect(limiters.find("db")!.running).toBe(0);
  });

  it("compiles a limited step to a $permit state and a $run state", () => {
    const machine = compile(workflow("W", sequence("s", [step("a", (x) => x, { limit: { name: "api", rate: "10/s" } })])));
    const a = machine.root.states["s"]!.states["a"]!;
    expect(Object.keys(a.states)).toEqual(["$permit", "$run"]);
    expect(a.initial.target[0]!.key).toBe("$permit");
  });

  it("refuses a limit with neither a rate nor a concurrency, or a rate it cannot read", () => {
    expect(() => step("a", (x) => x, { limit: { name: "api" } as never })).toThrow(DefinitionError);
    expect(() => step("a", (x) => x, { limit: { name: "api", rate: "fast" } })).toThrow(/"100\/s"/);
    expect(() => step("a", (x) => x, { limit: { name: "api", concurrency: 0 } })).toThrow(DefinitionError);
    expect(() => step("a", (x) => x, { limit: { name: "", concurrency: 1 } })).toThrow(DefinitionError);
  });

  it("fails a step whose limit name is already declared differently, naming both declarations", async () => {
    const limiters = new LimiterRegistry();
    await run(workflow("A", step("a", () => 1, { limit: { name: "api", rate: "10/s" } })), null, { ...quiet, limiters });
    const error = await run(workflow("B", step("b", () => 2, { limit: { name: "api", concurrency: 3 } })), null, { ...quiet, limiters }).catch((e) => e);
    expect(error.cause).toBeInstanceOf(DefinitionError);
    expect(error.cause.message).toMatch(/10 per 1000 ms and concurrency 3/);
  });
});
