import { describe, expect, it } from "vitest";
import { compensate, retry, saga, sequence, sleep, step, waitFor, workflow } from "../../src/index.js";
import { simulate, TestClock } from "../../src/testing/index.js";

const reserve = compensate(step("Reserve", (x: { id: string }) => ({ ...x, reserved: true })), step("Release", () => undefined));
const charge = step("Charge", (x: { id: string }) => ({ ...x, charged: true }), { retry: { maxRetries: 2, initialDelay: "1s", backoffMultiplier: 2 } });
const booking = workflow("Booking", saga("Booking", [reserve, charge, step("Confirm", (x: object) => x)]));

describe("simulate", () => {
  it("waits 1s then 2s between attempts of a step scripted to fail twice with a transient error", async () => {
    const sim = await simulate(booking, { id: "b-1" }, { outcomes: { Charge: ["transient", "transient", "ok"] } });
    expect(sim.status).toBe("done");
    expect(sim.delays).toEqual([1000, 2000]);
    expect(sim.steps).toEqual([
      "Booking.Reserve (attempt 1): ok",
      "Booking.Charge (attempt 1): failed (transient)",
      "Booking.Charge (attempt 2): failed (transient)",
      "Booking.Charge (attempt 3): ok",
      "Booking.Confirm (attempt 1): ok",
    ]);
    expect(sim.output).toEqual({ id: "b-1", reserved: true }); // a scripted "ok" passes its input on
  });

  it("compensates the completed reservation when a later step fails with a logic error", async () => {
    const sim = await simulate(booking, { id: "b-2" }, { outcomes: { Confirm: "logic" } });
    expect(sim.status).toBe("failed");
    expect(sim.error).toMatchObject({ step: "Booking.Confirm", category: "logic" });
    expect(sim.compensation).toEqual({ ran: ["Booking.Reserve"], failed: [] });
    expect(sim.trace.filter((t) => t.kind === "compensation")).toEqual([{ kind: "compensation", path: "Booking.Reserve", outcome: "ok", at: 0 }]);
  });

  it("records a compensation scripted to fail as failed and still fails the run", async () => {
    const sim = await simulate(booking, { id: "b-3" }, { outcomes: { Confirm: "logic" }, compensations: { Reserve: "fail" } });
    expect(sim.compensation).toEqual({ ran: [], failed: ["Booking.Reserve"] });
  });

  it("answers a wait with a payload, or lets it time out on the simulated clock", async () => {
    const flow = workflow("Approve", sequence("Approve", [sleep("CoolDown", "10m"), waitFor("Decide", "DECIDE", { timeout: "1h" })]));
    const answered = await simulate(flow, { id: 1 }, { answers: { Decide: { ok: true } } });
    expect(answered).toMatchObject({ status: "done", output: { id: 1, ok: true }, delays: [600_000], elapsedMs: 600_000 });
    const clock = new TestClock(1_000);
    const timedOut = await simulate(flow, { id: 1 }, { clock });
    expect(timedOut).toMatchObject({ status: "failed", error: { step: "Approve.Decide", code: "wait_timeout" }, delays: [600_000, 3_600_000] });
    expect(clock.now()).toBe(1_000 + 600_000 + 3_600_000);
  });

  it("reports a run that waits for an event nobody sends and no timer ends as stuck", async () => {
    const flow = workflow("Forever", waitFor("Forever", "NEVER"));
    const sim = await simulate(flow, {}, {});
    expect(sim.status).toBe("stuck");
  });

  it("runs the real step functions of the steps it has no outcome for", async () => {
    const sim = await simulate(workflow("Real", retry(step("Double", (n: number) => n * 2), { maxRetries: 1 })), 21);
    expect(sim).toMatchObject({ status: "done", output: 42, steps: ["Double (attempt 1): ok"] });
  });
});
