import { createActor } from "xstate";
import { describe, expect, it } from "vitest";
import { compile, sequence, step, workflow } from "../../src/index.js";
import { Gate, flush } from "../support/gate.js";

describe("a compiled machine's snapshots", () => {
  it("are plain JSON", async () => {
    const gate = new Gate();
    const wf = workflow("W", sequence("S", [step("a", (x: number) => x + 1), step("b", gate.fn)]));
    const actor = createActor(compile(wf), { input: 1, id: "run-1" }).start();
    await flush();
    const persisted = actor.getPersistedSnapshot();
    expect(JSON.parse(JSON.stringify(persisted))).toEqual(persisted);
    expect((persisted as any).context).toEqual({
      runId: "run-1",
      prefix: "",
      v: [2],
      sel: {},
      errors: {},
      counters: {},
      deadlines: {},
      collected: {},
      windows: {},
      stack: [],
      compensation: { ran: [], failed: [] },
    });
    actor.stop();
  });

  it("re-dispatches the step that was in flight when restored, with the same input and idempotency key", async () => {
    const before = new Gate();
    const after = new Gate();
    let useAfter = false;
    const ran: string[] = [];
    const wf = workflow(
      "W",
      sequence("S", [
        step("a", (x: number) => (ran.push("a"), x + 1)),
        step("b", (x: number, ctx) => (ran.push("b"), (useAfter ? after : before).fn(x, ctx))),
        step("c", (x: number) => (ran.push("c"), x * 10)),
      ]),
    );
    const first = createActor(compile(wf), { input: 1, id: "run-7" }).start();
    await flush();
    expect(before.calls).toHaveLength(1);
    const persisted = JSON.parse(JSON.stringify(first.getPersistedSnapshot()));
    first.stop();
    expect(before.last.ctx.signal.aborted).toBe(true);

    useAfter = true;
    const second = createActor(compile(wf), { snapshot: persisted, id: "run-7", input: undefined });
    const output = new Promise((resolve) => second.subscribe({ complete: () => resolve(second.getSnapshot().output) }));
    second.start();
    await flush();
    expect(after.calls).toHaveLength(1);
    expect(after.last.input).toBe(2);
    expect(after.last.ctx.idempotencyKey).toBe(before.last.ctx.idempotencyKey);
    expect(after.last.ctx.idempotencyKey).toBe("run-7:S.b:1");
    before.last.resolve(999); // the old actor's late result must go nowhere
    after.last.resolve(5);
    expect(await output).toBe(50);
    expect(ran).toEqual(["a", "b", "b", "c"]);
  });

  it("does not re-run a step that completed before the snapshot", async () => {
    const gate = new Gate();
    let aRuns = 0;
    const wf = workflow("W", sequence("S", [step("a", (x: number) => (aRuns++, x)), step("b", gate.fn)]));
    const first = createActor(compile(wf), { input: 3 }).start();
    await flush();
    const persisted = first.getPersistedSnapshot();
    first.stop();
    const second = createActor(compile(wf), { snapshot: persisted, input: undefined }).start();
    await flush();
    expect(aRuns).toBe(1);
    expect(gate.calls).toHaveLength(2);
    second.stop();
  });

  it("withdraws a running step when its actor stops: the signal fires and the late result is dropped", async () => {
    const gate = new Gate();
    const wf = workflow("W", step("slow", gate.fn));
    const actor = createActor(compile(wf), { input: 0 }).start();
    await flush();
    const { ctx } = gate.last;
    expect(ctx.signal.aborted).toBe(false);
    actor.stop();
    expect(ctx.signal.aborted).toBe(true);
    expect((ctx.signal.reason as DOMException).message).toBe('Step "slow" was withdrawn');
    gate.last.resolve(1);
    await flush();
    expect(actor.getSnapshot().status).toBe("stopped");
  });
});
