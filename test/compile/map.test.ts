import fc from "fast-check";
import { createActor } from "xstate";
import { describe, expect, it } from "vitest";
import { choose, compile, map, ParallelExecutionFailed, run, sequence, step, ValidationError, workflow } from "../../src/index.js";
import { Gate, flush } from "../support/gate.js";

const quiet = { log: () => undefined };

describe("map compiles to a window of child actors registered by name", () => {
  const wf = workflow("W", map("M", step("double", (x: number) => x * 2), { items: (xs: number[]) => xs, maxConcurrency: 2 }));
  const machine = compile(wf);
  const m = (machine.config as any).states.M;

  it("runs items in $running and joins in $join", () => {
    expect(Object.keys(m.states)).toEqual(["$running", "$join", "$done"]);
    expect(m.states.$running.on).toHaveProperty(["xstate.done.actor.M.*"]);
    expect(m.states.$running.exit).toBe("stepchart.items.close M");
  });

  it("registers the item machine in setup, so children persist by name", () => {
    expect(Object.keys(machine.implementations.actors)).toContain("stepchart.items M 0");
  });
});

describe("map at run time", () => {
  it("returns the results in item order whatever order items finish in (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer(), fc.nat(4)), { maxLength: 15 }), fc.integer({ min: 1, max: 6 }), async (items, max) => {
        const wf = map("M", step("slow", async ([value, delay]: [number, number]) => (await flush(delay), value * 2)), { items: (xs: [number, number][]) => xs, maxConcurrency: max });
        expect(await run(wf, items, quiet)).toEqual(items.map(([v]) => v * 2));
      }),
      { numRuns: 40 },
    );
  });

  it("never runs more than maxConcurrency items at once (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 5 }), async (count, max) => {
        let live = 0;
        let peak = 0;
        const wf = map("M", step("work", async (x: number) => {
          live++;
          peak = Math.max(peak, live);
          await flush(1 + (x % 3));
          live--;
          return x;
        }), { items: (n: number) => Array.from({ length: n }, (_, i) => i), maxConcurrency: max });
        await run(wf, count, quiet);
        expect(peak).toBe(Math.min(count, max));
      }),
      { numRuns: 30 },
    );
  });

  it("scatter-gathers with combine(results, input)", async () => {
    const wf = map("Words", step("count", (s: string) => s.split(" ").length), {
      items: (doc: { sections: string[] }) => doc.sections,
      combine: (counts, doc) => ({ sections: doc.sections.length, words: counts.reduce((a, b) => a + b, 0) }),
    });
    expect(await run(wf, { sections: ["a b", "c d e", "f"] }, quiet)).toEqual({ sections: 3, words: 6 });
  });

  it("returns an empty list for no items", async () => {
    expect(await run(map("M", step("x", (x: number) => x), { items: () => [] }), null, quiet)).toEqual([]);
  });

  it("lets every item settle and reports each failure with its item index and step path", async () => {
    const wf = workflow("W", map("M", sequence("body", [step("check", (x: number) => {
      if (x < 0) throw new RangeError(`negative: ${x}`);
      return x;
    }), step("ok", (x: number) => x)]), { items: (xs: number[]) => xs }));
    const error = await run(wf, [1, -2, 3, -4], quiet).catch((e) => e);
    expect(error.step).toBe("M");
    expect(error.cause).toBeInstanceOf(ParallelExecutionFailed);
    expect(error.cause.errors.map((e: any) => [e.branch, e.path])).toEqual([
      ["[1]", "M[1].body.check"],
      ["[3]", "M[3].body.check"],
    ]);
  });

  it("fails with a ValidationError when items does not return an array", async () => {
    const error = await run(map("M", step("x", (x: number) => x), { items: () => "abc" as never }), null, quiet).catch((e) => e);
    expect(error.cause).toBeInstanceOf(ValidationError);
    expect(error.cause.message).toBe('Expected `items` of map "M" to return an array, got string');
  });

  it("gives each item's steps a path and idempotency key with the item index", async () => {
    const keys: string[] = [];
    await run(map("M", step("k", (_x: number, ctx) => void keys.push(ctx.idempotencyKey)), { items: () => [0, 1] }), null, { ...quiet, runId: "r" });
    expect(keys.sort()).toEqual(["r:M[0].k:1", "r:M[1].k:1"]);
  });

  it("nests: a map whose body is a sequence with a choose", async () => {
    const body = sequence("body", [
      step("len", (s: string) => s.length),
      choose("size", [{ when: (n: number) => n > 3, then: step("long", (n: number) => `long:${n}`) }], step("short", (n: number) => `short:${n}`)),
    ]);
    expect(await run(map("M", body, { items: (xs: string[]) => xs, maxConcurrency: 2 }), ["hi", "hello", "hey there"], quiet)).toEqual([
      "short:2",
      "long:5",
      "long:9",
    ]);
  });

  it("keeps only running items as children: finished ones leave the snapshot", async () => {
    const gate = new Gate();
    const wf = workflow("W", map("M", step("s", (x: number, ctx) => (x === 9 ? gate.fn(x, ctx) : x)), { items: () => Array.from({ length: 10 }, (_, i) => i), maxConcurrency: 3 }));
    const actor = createActor(compile(wf), { input: null }).start();
    await flush(10);
    expect(Object.keys(actor.getSnapshot().children)).toEqual(["M.0.9"]);
    gate.last.resolve(9);
    await flush();
    expect(actor.getSnapshot().children).toEqual({});
    expect(actor.getSnapshot().output).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("survives a snapshot and restore in the middle: running items resume, finished ones are kept", async () => {
    const gate = new Gate();
    const calls: number[] = [];
    const wf = workflow("W", map("M", step("slow", (x: number, ctx) => (calls.push(x), x === 2 ? gate.fn(x, ctx) : x * 10)), { items: (xs: number[]) => xs, maxConcurrency: 2 }));
    const first = createActor(compile(wf), { input: [1, 2, 3], id: "r" }).start();
    await flush();
    expect(calls.sort()).toEqual([1, 2, 3]);
    const persisted = JSON.parse(JSON.stringify(first.getPersistedSnapshot()));
    first.stop();
    const second = createActor(compile(wf), { snapshot: persisted, id: "r", input: undefined });
    const out = new Promise((resolve) => second.subscribe({ complete: () => resolve(second.getSnapshot().output) }));
    second.start();
    await flush();
    expect(calls.sort()).toEqual([1, 2, 2, 3]);
    gate.last.resolve(20);
    expect(await out).toEqual([10, 20, 30]);
  });
});
