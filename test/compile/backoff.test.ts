import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffDelay } from "../../src/compile/backoff.js";

describe("backoffDelay", () => {
  it("doubles from the initial delay and caps at maxDelay", () => {
    const policy = { initialDelayMs: 1000, multiplier: 2, maxDelayMs: 5000, jitter: false };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy, Math.random))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it("takes a random fraction of the capped delay with jitter", () => {
    const policy = { initialDelayMs: 1000, multiplier: 2, maxDelayMs: 5000, jitter: true };
    expect(backoffDelay(3, policy, () => 0.25)).toBe(1000);
  });

  it("stays within [0, maxDelay] for any attempt, policy and random source (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.nat(1_000_000),
        fc.double({ min: 1, max: 100, noNaN: true }),
        fc.nat(1_000_000),
        fc.boolean(),
        fc.double({ min: -1, max: 2, noNaN: true }),
        (retry, initialDelayMs, multiplier, maxDelayMs, jitter, r) => {
          const delay = backoffDelay(retry, { initialDelayMs, multiplier, maxDelayMs, jitter }, () => r);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(maxDelayMs);
        },
      ),
    );
  });
});
