// The step cache of a run on a store: results kept under the run's workflow,
// the step's path and the key, counted only for the workflow version that made
// them and until they expire (by the run's clock).
import type { Clock } from "../clock.js";
import type { StepCache } from "../compile/services.js";
import type { Store } from "../store/store.js";

/** What a step cache needs of a store. */
export type CacheStore = Pick<Store, "getCached" | "putCached">;

export function storeCache(store: CacheStore, run: { workflow: string; version: string; runId: string; clock: Clock }): StepCache {
  return {
    async get(path, key) {
      const entry = await store.getCached(run.workflow, path, key);
      if (!entry || entry.version !== run.version || (entry.expiresAt !== null && entry.expiresAt <= run.clock.now())) return undefined;
      return { value: JSON.parse(entry.value) as unknown, runId: entry.runId, at: entry.createdAt };
    },
    async put(path, key, value, ttlMs) {
      const now = run.clock.now();
      await store.putCached({
        workflow: run.workflow,
        path,
        key,
        version: run.version,
        value: JSON.stringify(value === undefined ? null : value),
        runId: run.runId,
        createdAt: now,
        expiresAt: ttlMs === undefined ? null : now + ttlMs,
      });
    },
  };
}
