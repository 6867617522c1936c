import { describe, expect, it } from "vitest";
import { TestClock } from "../../src/testing/index.js";

describe("TestClock", () => {
  it("fires timers in due order and only when time reaches them", async () => {
    const clock = new TestClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    await clock.advance(15);
    expect(fired).toEqual(["a@1010"]);
    await clock.advance(5);
    expect(fired).toEqual(["a@1010", "b@1020"]);
    expect(clock.now()).toBe(1020);
  });

  it("fires a timer set by async work during the same advance", async () => {
    const clock = new TestClock();
    const fired: number[] = [];
    clock.setTimeout(() => {
      void Promise.resolve().then(() => clock.setTimeout(() => fired.push(clock.now()), 3));
    }, 5);
    await clock.advance(10);
    expect(fired).toEqual([8]);
  });

  it("does not fire a cleared timer", async () => {
    const clock = new TestClock();
    let fired = false;
    const id = clock.setTimeout(() => (fired = true), 1);
    clock.clearTimeout(id);
    await clock.advance(10);
    expect(fired).toBe(false);
    expect(clock.pending).toBe(0);
  });
});
