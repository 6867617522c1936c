import { describe, expect, it } from "vitest";
import { BreakerRegistry, DependencyError, run, step, ValidationError, workflow } from "../../src/index.js";
import { TestClock } from "../../src/testing/index.js";

const quiet = { log: () => undefined };

describe("circuit breaker", () => {
  function setup() {
    const clock = new TestClock();
    const breakers = new BreakerRegistry();
    let calls = 0;
    let healthy = false;
    const call = step("charge", () => {
      calls++;
      if (!healthy) throw new DependencyError("payments-api refused the connection");
      return "charged";
    }, { breaker: { name: "payments-api", failureThreshold: 3, window: "1m", cooldown: "30s" } });
    const wf = workflow("Pay", call);
    return {
      clock,
      breakers,
      calls: () => calls,
      heal: () => (healthy = true),
      runOnce: () => run(wf, null, { ...quiet, clock, breakers }).catch((e) => e),
    };
  }

  it("opens after the failure threshold within the window, then fails at once with circuit_open without calling", async () => {
    const t = setup();
    for (let i = 0; i < 3; i++) await t.runOnce();
    expect(t.calls()).toBe(3);
    expect(t.breakers.find("payments-api")!.state(t.clock.now())).toBe("open");
    const error = await t.runOnce();
    expect(t.calls()).toBe(3);
    expect(error.cause).toBeInstanceOf(DependencyError);
    expect(error.cause.code).toBe("circuit_open");
    expect(error.cause.details.retryAfterMs).toBe(30_000);
  });

  it("does not open when the failures are spread wider than the window", async () => {
    const t = setup();
    for (let i = 0; i < 5; i++) {
      await t.runOnce();
      await t.clock.advance(31_000);
    }
    expect(t.breakers.find("payments-api")!.state(t.clock.now())).toBe("closed");
    expect(t.calls()).toBe(5);
  });

  it("half-opens after the cool-down: one trial call that closes it on success", async () => {
    const t = setup();
    for (let i = 0; i < 3; i++) await t.runOnce();
    await t.clock.advance(29_999);
    expect(t.breakers.find("payments-api")!.state(t.clock.now())).toBe("open");
    await t.clock.advance(1);
    expect(t.breakers.find("payments-api")!.state(t.clock.now())).toBe("half-open");
    t.heal();
    expect(await t.runOnce()).toBe("charged");
    expect(t.breakers.find("payments-api")!.state(t.clock.now())).toBe("closed");
  });

  it("opens again when the half-open trial fails", async () => {
    const t = setup();
    for (let i = 0; i < 3; i++) await t.runOnce();
    await t.clock.advance(30_000);
    await t.runOnce();
    expect(t.calls()).toBe(4);
    expect(t.breakers.find("payments-api")!.state(t.clock.now())).toBe("open");
  });

  it("makes a retry wait for the half-open state instead of hammering", async () => {
    const clock = new TestClock();
    const breakers = new BreakerRegistry();
    const at: number[] = [];
    const s = step("call", () => {
      at.push(clock.now());
      throw new DependencyError("down");
    }, { breaker: { name: "dep", failureThreshold: 2, cooldown: "20s" }, retry: { maxRetries: 3, initialDelay: "1s" } });
    const result = run(workflow("W", s), null, { ...quiet, clock, breakers }).catch((e) => e);
    await clock.advance(120_000);
    await result;
    // attempt 1 at 0, retry after 1s opens it; the next retry waits out the 20s cool-down
    expect(at).toEqual([0, 1000, 21000, 41000]);
  });

  it("does not count failures that are not dependency errors", async () => {
    const clock = new TestClock();
    const breakers = new BreakerRegistry();
    const wf = workflow("W", step("v", () => {
      throw new ValidationError("bad");
    }, { breaker: { name: "v", failureThreshold: 1 } }));
    await run(wf, null, { ...quiet, clock, breakers }).catch(() => undefined);
    expect(breakers.find("v")!.state(clock.now())).toBe("closed");
  });
});
