import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { choose, compile, parallel, ParallelExecutionFailed, retry, run, sequence, step, TransientError, workflow, WorkflowFailed, type StepContext } from "../../src/index.js";
import { TestClock } from "../../src/testing/index.js";
import { Gate, flush } from "../support/gate.js";

const quiet = { log: () => undefined };

describe("parallel compiles to a parallel state with one region per branch", () => {
  const wf = workflow("W", parallel("P", { a: step("a", (x: number) => x), b: step("b", (x: number) => x) }, { maxConcurrency: 1 }));
  const p = (compile(wf).config as any).states.P;

  it("forks, runs the regions, then joins", () => {
    expect(p.initial).toBe("$fork");
    expect(Object.keys(p.states)).toEqual(["$fork", "$branches", "$join", "$done"]);
    expect(p.states.$fork.always).toEqual({ target: "$branches" });
    expect(p.states.$branches.type).toBe("parallel");
    expect(Object.keys(p.states.$branches.states)).toEqual(["a", "b"]);
    expect(p.states.$branches.onDone).toEqual({ target: "$join" });
  });

  it("makes each region wait for a free slot by a guarded eventless transition", () => {
    const region = p.states.$branches.states.a;
    expect(region.initial).toBe("$wait");
    expect(region.states.$wait.always).toEqual({
      guard: { type: "P: a slot is free (< 1 running)", params: { branch: 0 } },
      target: "$run",
      actions: { type: "stepchart.slot.take P", params: { branch: 0 } },
    });
    expect(Object.keys(region.states)).toEqual(["$wait", "$run", "$ok", "$failed"]);
  });

  it("starts regions without a wait state when there is no limit", () => {
    const free = (compile(workflow("F", parallel("P", [step("a", (x: number) => x)]))).config as any).states.P;
    expect(free.states.$branches.states.a.initial).toBe("$run");
  });
});

describe("parallel at run time", () => {
  it("gives each branch its own copy of the input and returns a record of results", async () => {
    const wf = parallel("P", {
      mutate: step("mutate", (doc: { tags: string[] }) => (doc.tags.push("mutated"), doc.tags.length)),
      read: step("read", async (doc: { tags: string[] }) => (await flush(1), doc.tags.join(","))),
    });
    expect(await run(wf, { tags: ["x"] }, quiet)).toEqual({ mutate: 2, read: "x" });
  });

  it("returns an array for array branches, in branch order", async () => {
    const wf = parallel("P", [step("slow", async (x: number) => (await flush(3), x + 1)), step("fast", (x: number) => x + 2)]);
    expect(await run(wf, 0, quiet)).toEqual([1, 2]);
  });

  it("replaces the output with combine(results, input)", async () => {
    const wf = parallel("P", { a: step("a", (x: number) => x + 1), b: step("b", (x: number) => x * 2) }, { combine: (r, input: number) => r.a + r.b + input });
    expect(await run(wf, 10, quiet)).toBe(41);
  });

  it("lets every branch settle, then reports every failure, each naming its branch", async () => {
    const finished: string[] = [];
    const wf = workflow(
      "W",
      parallel("P", {
        a: step("a", () => {
          throw new TransientError("a down", { code: "a_down" });
        }),
        slow: step("slow", async () => (await flush(3), finished.push("slow"), "ok")),
        c: step("c", () => {
          throw new Error("c broke");
        }),
      }),
    );
    const error = await run(wf, null, quiet).catch((e) => e);
    expect(finished).toEqual(["slow"]);
    expect(error.step).toBe("P");
    expect(error.cause).toBeInstanceOf(ParallelExecutionFailed);
    expect(error.cause.errors.map((e: any) => [e.branch, e.path, e.error.code])).toEqual([
      ["a", "P.a", "a_down"],
      ["c", "P.c", "unexpected_error"],
    ]);
    expect(error.category).toBe("logic");
    expect(error.cause.message).toBe('2 of 3 branches of "P" failed: a (transient, a_down), c (logic, unexpected_error)');
  });

  it("reports every branch that fails in the same microstep (each region has its own failure slot)", async () => {
    // Regression: two regions whose choose found no case failed at once and overwrote one failure slot.
    const noCase = (name: string) => choose(name, [{ when: (x: number) => x > 0, then: step(`${name}-pos`, (x: number) => x) }]);
    const error: any = await run(workflow("W", parallel("P", [noCase("a"), noCase("b"), step("c", (x: number) => x)])), 0, quiet).catch((e) => e);
    expect(error).toBeInstanceOf(WorkflowFailed);
    expect(error.cause.errors.map((e: any) => [e.branch, e.error.code])).toEqual([
      ["a", "no_matching_case"],
      ["b", "no_matching_case"],
    ]);
  });

  it("with failFast, cancels the other branches on the first failure: their signals fire", async () => {
    const gate = new Gate();
    let bSignal: AbortSignal | undefined;
    const wf = parallel("P", {
      a: step("a", gate.fn),
      b: step("b", (_x: unknown, ctx: StepContext) => ((bSignal = ctx.signal), new Promise(() => undefined))),
    }, { failFast: true });
    const result = run(wf, null, quiet).catch((e) => e);
    await flush();
    gate.last.reject(new TransientError("boom"));
    const error: any = await result;
    expect(bSignal!.aborted).toBe(true);
    expect(error.cause.errors.map((e: any) => e.branch)).toEqual(["a"]);
  });

  it("never runs more than maxConcurrency branches at once, and runs them all (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 5 }), fc.array(fc.nat(4), { minLength: 12, maxLength: 12 }), async (count, max, delays) => {
        let live = 0;
        let peak = 0;
        const branches = Array.from({ length: count }, (_, i) =>
          step(`b${i}`, async (x: number) => {
            live++;
            peak = Math.max(peak, live);
            await flush(delays[i]!);
            live--;
            return x + i;
          }),
        );
        const out = await run(parallel("P", branches as any, { maxConcurrency: max }), 100, quiet);
        expect(peak).toBeLessThanOrEqual(max);
        expect(peak).toBe(Math.min(max, count));
        expect(out).toEqual(Array.from({ length: count }, (_, i) => 100 + i));
      }),
      { numRuns: 40 },
    );
  });

  it("nests: a retry inside a parallel branch inside a sequence recovers its branch", async () => {
    const clock = new TestClock();
    let calls = 0;
    const flaky = retry(step("flaky", (x: number) => {
      if (++calls < 2) throw new TransientError("blip");
      return x * 10;
    }), { initialDelay: "1s" });
    const wf = workflow("W", sequence("S", [step("start", (x: number) => x + 1), parallel("P", { flaky, steady: step("steady", (x: number) => x) }), step("sum", (r: { flaky: number; steady: number }) => r.flaky + r.steady)]));
    const result = run(wf, 1, { ...quiet, clock });
    await clock.advance(1000);
    expect(await result).toBe(22);
    expect(calls).toBe(2);
  });
});
