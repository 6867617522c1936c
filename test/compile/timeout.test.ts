import { describe, expect, it } from "vitest";
import { compile, run, sequence, start, step, timeout, TransientError, workflow } from "../../src/index.js";
import { TestClock } from "../../src/testing/index.js";
import { Gate } from "../support/gate.js";

const quiet = { log: () => undefined };

describe("timeout", () => {
  it("compiles to a compound state that invokes the timer beside the flow", () => {
    const t = (compile(workflow("W", timeout(step("s", (x: number) => x), "2s"))).config as any).states.s;
    expect(t.invoke.src).toBe("stepchart.timer");
    expect(t.entry).toEqual({ type: "stepchart.setDeadline", params: { key: "s", delayMs: 2000 } });
    expect(Object.keys(t.states)).toEqual(["$run", "$done"]);
  });

  it("fails with a TransientError coded timeout when the flow runs too long, and fires the running step's signal", async () => {
    const clock = new TestClock();
    const gate = new Gate();
    const wf = workflow("W", timeout(sequence("Fetch", [step("a", (x: number) => x), step("b", gate.fn)]), "2m"));
    const result = run(wf, 1, { ...quiet, clock }).catch((e: any) => e);
    await clock.advance(119_999);
    expect(gate.last.ctx.signal.aborted).toBe(false);
    await clock.advance(1);
    const error: any = await result;
    expect(gate.last.ctx.signal.aborted).toBe(true);
    expect(error.step).toBe("Fetch");
    expect(error.cause).toBeInstanceOf(TransientError);
    expect(error.cause.code).toBe("timeout");
    expect(error.cause.message).toBe('"Fetch" did not finish within 120000ms');
  });

  it("lets a flow that finishes in time go on, and stops its timer", async () => {
    const clock = new TestClock();
    const gate = new Gate();
    const handle = start(timeout(step("s", gate.fn), "1s"), 1, { ...quiet, clock });
    await clock.advance(500);
    gate.last.resolve("done");
    expect(await handle.result).toBe("done");
    expect(clock.pending).toBe(0);
  });
});
