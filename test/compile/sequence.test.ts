import { createActor } from "xstate";
import { describe, expect, it } from "vitest";
import { compile, sequence, step, workflow } from "../../src/index.js";

const add = (name: string, n: number) => step(name, (x: number) => x + n);

describe("sequence compiles to chained states", () => {
  const wf = workflow("W", sequence("S", [add("a", 1), add("b", 10), add("c", 100)]));
  const config = compile(wf).config as any;

  it("is a compound state whose children are the steps in order, ending in a final state", () => {
    const seq = config.states.S;
    expect(seq.initial).toBe("a");
    expect(Object.keys(seq.states)).toEqual(["a", "b", "c", "$done"]);
    expect(seq.states.$done).toEqual({ type: "final" });
    expect(seq.onDone).toEqual({ target: "$done" });
  });

  it("chains each step's done event to the next step", () => {
    const { a, b, c } = config.states.S.states;
    expect(a.on["stepchart.done.S.a"].target).toBe("b");
    expect(b.on["stepchart.done.S.b"].target).toBe("c");
    expect(c.on["stepchart.done.S.c"].target).toBe("$done");
  });

  it("sends every step failure to the top-level failed state", () => {
    const { a } = config.states.S.states;
    expect(a.on["stepchart.error.S.a"].target).toBe("#W.$failed");
  });

  it("runs with plain createActor, the output of step N being the input of step N+1", async () => {
    const actor = createActor(compile(wf), { input: 0 });
    const done = new Promise((resolve) => actor.subscribe({ complete: () => resolve(actor.getSnapshot().output) }));
    actor.start();
    expect(await done).toBe(111);
  });

  it("nests: a sequence inside a sequence is a compound state inside a compound state", () => {
    const nested = compile(workflow("N", sequence("outer", [add("x", 1), sequence("inner", [add("y", 2), add("z", 3)])]))).config as any;
    const inner = nested.states.outer.states.inner;
    expect(Object.keys(inner.states)).toEqual(["y", "z", "$done"]);
    expect(inner.onDone).toEqual({ target: "$done" });
    expect(nested.states.outer.states.x.on["stepchart.done.outer.x"].target).toBe("inner");
  });
});
