import { describe, expect, it } from "vitest";
import { call, choose, compile, createEngine, map, memoryStore, saga, compensate, sequence, start, step, toMermaid, workflow, type Workflow } from "../../src/index.js";
import { TestClock } from "../../src/testing/index.js";
import { Gate, flush } from "../support/gate.js";
import { Timeline } from "./timeline.js";

const quiet = { log: () => undefined };

interface Part {
  name: string;
  parts: Part[];
}

describe("call", () => {
  it("WCP-22 recursion: a workflow calls itself, each level a child run of the one above, one after the other", async () => {
    const clock = new TestClock();
    const t = new Timeline(clock);
    const countdown: Workflow<number, string> = workflow(
      "Countdown",
      sequence("Countdown", [
        t.step("Tick", 10),
        choose("More", [{ when: (n: number) => n > 0, then: call(() => countdown, { input: (n: number) => n - 1 }), label: "n > 0" }], step("Liftoff", () => "liftoff")),
      ]),
    );
    const handle = start(countdown, 2, { clock, ...quiet });
    await clock.advance(100);
    expect(await handle.result).toBe("liftoff");
    expect(t.picture).toEqual(["Countdown.Tick 0-10", "Countdown.More.call.Countdown.Tick 10-20", "Countdown.More.call.Countdown.More.call.Countdown.Tick 20-30"]);
  });

  it("WCP-22 recursion: a part explodes into its sub-parts through a map of calls to the same workflow", async () => {
    const explode: Workflow<Part, string[]> = workflow(
      "Explode",
      choose(
        "Kind",
        [{ when: (p: Part) => p.parts.length === 0, then: step("Leaf", (p: Part) => [p.name]), label: "leaf" }],
        map("Parts", call(() => explode), { items: (p: Part) => p.parts, combine: (names) => names.flat() }),
      ),
    );
    const bike: Part = { name: "bike", parts: [{ name: "frame", parts: [] }, { name: "wheel", parts: [{ name: "rim", parts: [] }, { name: "spoke", parts: [] }] }] };
    expect(compile(explode)).toBe(compile(explode));
    const handle = start(explode, bike, quiet);
    expect(await handle.result).toEqual(["frame", "rim", "spoke"]);
  });

  it("fails with the called workflow's failure and its full step path", async () => {
    const deep: Workflow<number, number> = workflow(
      "Deep",
      choose("Go", [{ when: (n: number) => n > 0, then: call(() => deep, { input: (n: number) => n - 1 }), label: "n > 0" }], step("Bottom", () => Promise.reject(new Error("hit bottom")))),
    );
    const error: any = await start(deep, 1, quiet).result.catch((e) => e);
    expect(error.step).toBe("Go.call.Go.Bottom");
    expect(error.cause.message).toBe("hit bottom");
  });

  it("undoes the called run's completed compensable steps when the caller's saga fails afterwards", async () => {
    const undone: string[] = [];
    const reserve = workflow("Reserve", compensate(step("Hold", (x: { id: string }) => x), step("Release", (x: { id: string }) => (undone.push(x.id), x))));
    const booking = workflow("Booking", saga("Booking", [call(() => reserve), step("Charge", () => Promise.reject(new Error("card declined")))]));
    const error: any = await start(booking, { id: "r-1" }, quiet).result.catch((e) => e);
    expect(error.cause.message).toBe("card declined");
    expect(undone).toEqual(["r-1"]);
  });

  it("continues a recursion across an engine restart: the level in flight runs again, the levels above wait for it", async () => {
    const store = memoryStore();
    const gate = new Gate();
    const make = (tick: (n: number, ctx: any) => unknown) => {
      const wf: Workflow<number, string> = workflow(
        "Countdown",
        sequence("Countdown", [
          step("Tick", (n: number, ctx) => (n === 0 ? tick(n, ctx) : n)),
          choose("More", [{ when: (n: number) => n > 0, then: call(() => wf, { input: (n: number) => n - 1 }), label: "n > 0" }], step("Liftoff", () => "liftoff")),
        ]),
      );
      return wf;
    };
    const one = createEngine({ workflows: [make(gate.fn)], store, ...quiet });
    await one.start("Countdown", 2, { runId: "cd" });
    await flush();
    expect(gate.calls.map((c) => c.ctx.path)).toEqual(["Countdown.More.call.Countdown.More.call.Countdown.Tick"]);
    await one.close();
    const two = createEngine({ workflows: [make((n) => n)], store, ...quiet });
    expect(await two.result("cd")).toBe("liftoff");
    await two.close();
  });

  it("compiles to an invoke of the machine registered by name after the caller's own, and draws it", () => {
    const loop: Workflow<number, number> = workflow("Loop", choose("Again", [{ when: (n: number) => n > 0, then: call(() => loop, { name: "Recurse" }), label: "n > 0" }], step("End", (n: number) => n)));
    const machine = compile(loop);
    const state = (machine.config as any).states.Again.states.Recurse;
    expect(state.invoke.src).toBe("stepchart.call Again.Recurse");
    expect(machine.implementations.actors["stepchart.call Again.Recurse"]).toBeDefined();
    expect(toMermaid(loop)).toContain("Recurse");
  });

  it("rejects a reference that is not a function", () => {
    expect(() => call({} as never)).toThrow("Expected call() to get a function returning a workflow, like call(() => review), got an object");
  });
});
