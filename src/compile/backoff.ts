// The delay before a retry: a pure function of (retry number, policy, random),
// so the chosen delay can be stored in the snapshot as data.
import type { RetryPolicy } from "../dsl/flow.js";

/**
 * The delay before retry number `retry` (1 = the first retry):
 * initialDelay × multiplier^(retry-1), capped at maxDelay; with jitter, a
 * uniformly random fraction of that ("full jitter",
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 * Always within [0, maxDelay].
 */
export function backoffDelay(retry: number, policy: Pick<RetryPolicy, "initialDelayMs" | "multiplier" | "maxDelayMs" | "jitter">, random: () => number): number {
  const exponential = policy.initialDelayMs * policy.multiplier ** Math.max(0, retry - 1);
  const capped = Math.min(policy.maxDelayMs, Number.isFinite(exponential) ? exponential : policy.maxDelayMs);
  if (!policy.jitter) return capped;
  const r = random();
  return Math.floor(capped * (r >= 0 && r < 1 ? r : 0));
}

/**
 * A number in [0, 1) from a string (FNV-1a, https://en.wikipedia.org/wiki/Fowler–Noll–Vo_hash_function):
 * jitter drawn from the run id, the retry's path and the attempt is the same
 * every time the decision is recomputed, so nothing random lives outside the snapshot.
 */
export function hashFraction(seed: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    hash ^= seed.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 2 ** 32;
}
