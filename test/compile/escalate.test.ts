import { describe, expect, it } from "vitest";
import { compensate, compile, LogicError, run, saga, start, step, TransientError, workflow, type EscalationInfo } from "../../src/index.js";
import { flush } from "../support/gate.js";

const quiet = { log: () => undefined };

function flakyBookkeeping(failures: number) {
  let calls = 0;
  return step("Book", (x: number) => {
    calls++;
    if (calls <= failures) throw new LogicError(`ledger out of balance (${calls})`);
    return x * 2;
  });
}

describe("escalation", () => {
  it("compiles a parked state per step, tagged stepchart.escalated, taking the operator events", () => {
    const wf = workflow("W", step("Book", (x: number) => x), { escalate: true });
    const s = (compile(wf).config as any).states.Book;
    expect(Object.keys(s.states)).toEqual(["$run", "$check", "$escalated", "$done"]);
    expect(s.states.$escalated.tags).toEqual(["stepchart.escalated"]);
    expect(Object.keys(s.states.$escalated.on)).toEqual(["stepchart.retry", "stepchart.skip", "stepchart.abort"]);
  });

  it("parks the run on a logic error and calls onEscalate once; stepchart.retry runs the step again", async () => {
    const alerts: EscalationInfo[] = [];
    const wf = workflow("W", flakyBookkeeping(1), { onEscalate: (info) => void alerts.push(info) });
    const handle = start(wf, 21, { ...quiet, runId: "r" });
    await flush();
    expect(handle.actor.getSnapshot().hasTag("stepchart.escalated")).toBe(true);
    expect(handle.waitingFor()).toEqual(["stepchart.abort", "stepchart.retry", "stepchart.skip"]);
    expect(alerts.map((a) => [a.runId, a.path, a.error.message])).toEqual([["r", "Book", "ledger out of balance (1)"]]);
    expect(handle.send({ type: "stepchart.retry" })).toBe(true);
    expect(await handle.result).toBe(42);
    expect(alerts).toHaveLength(1);
  });

  it("continues with the operator's output on stepchart.skip", async () => {
    const handle = start(workflow("W", flakyBookkeeping(9), { escalate: true }), 1, quiet);
    await flush();
    handle.send({ type: "stepchart.skip", output: "entered by hand" });
    expect(await handle.result).toBe("entered by hand");
  });

  it("compensates and fails on stepchart.abort, whatever the error's category", async () => {
    const undone: string[] = [];
    const wf = workflow(
      "W",
      saga("S", [compensate(step("reserve", (x: number) => x), () => void undone.push("reserve")), step("charge", () => {
        throw new TransientError("gateway timeout");
      })], { escalate: (e) => e.category === "transient" }),
    );
    const handle = start(wf, 1, quiet);
    await flush();
    expect(handle.actor.getSnapshot().hasTag("stepchart.escalated")).toBe(true);
    handle.send({ type: "stepchart.abort" });
    const error: any = await handle.result.catch((e) => e);
    expect(undone).toEqual(["reserve"]);
    expect(error.step).toBe("S.charge");
    expect(error.compensation.ran).toEqual(["S.reserve"]);
  });

  it("fails (and compensates a logic error) without parking when escalation is off", async () => {
    const undone: string[] = [];
    const wf = saga("S", [compensate(step("a", (x: number) => x), () => void undone.push("a")), flakyBookkeeping(1)]);
    await run(wf, 1, quiet).catch(() => undefined);
    expect(undone).toEqual(["a"]);
  });

  it("only answers the step an operator event names when it names one", async () => {
    const handle = start(workflow("W", flakyBookkeeping(1), { escalate: true }), 2, { ...quiet, runId: "r" });
    await flush();
    handle.send({ type: "stepchart.retry", path: "Other" });
    await flush();
    expect(handle.actor.getSnapshot().hasTag("stepchart.escalated")).toBe(true);
    handle.send({ type: "stepchart.retry", path: "Book" });
    expect(await handle.result).toBe(4);
  });

  it("does not escalate errors outside the policy", async () => {
    const wf = workflow("W", step("x", () => {
      throw new TransientError("blip");
    }), { escalate: true });
    const error: any = await run(wf, null, quiet).catch((e) => e);
    expect(error.category).toBe("transient");
  });
});
