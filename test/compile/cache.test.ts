import { describe, expect, it } from "vitest";
import {
  createEngine,
  DefinitionError,
  LimiterRegistry,
  LogicError,
  map,
  memoryStore,
  run,
  sequence,
  start,
  step,
  TransientError,
  workflow,
  WorkflowFailed,
  type Duration,
  type Store,
} from "../../src/index.js";
import { TestClock } from "../../src/testing/index.js";
import { flush, Gate } from "../support/gate.js";

const quiet = { log: () => undefined };
const HOUR = 3_600_000;

/** A price lookup that counts its calls. */
function priced(options: { ttl?: Duration } = {}) {
  const calls: string[] = [];
  const lookup = step(
    "Lookup",
    (sku: string) => {
      calls.push(sku);
      return { sku, price: sku.length * 10 };
    },
    { cache: { key: (sku: string) => `sku:${sku}`, ...options } },
  );
  return { calls, lookup };
}

describe("step result caching", () => {
  it("reuses a step's result across runs for the same key, and records the hit in the run that reused it", async () => {
    const { calls, lookup } = priced();
    const wf = workflow("Price", sequence("Price", [lookup, step("Total", (p: { price: number }) => p.price * 2)]));
    const cache = memoryStore();
    expect(await run(wf, "abc", { ...quiet, cache, runId: "first" })).toBe(60);
    const second = start(wf, "abc", { ...quiet, cache, runId: "second" });
    expect(await second.result).toBe(60);
    expect(await run(wf, "de", { ...quiet, cache, runId: "third" })).toBe(40);
    expect(calls).toEqual(["abc", "de"]);
    const context = (second.snapshot() as { context: { cached?: Record<string, unknown> } }).context;
    expect(context.cached).toEqual({ "Price.Lookup": { key: "sku:abc", from: "first", at: expect.any(Number) } });
  });

  it("runs the step every time when the run has no cache", async () => {
    const { calls, lookup } = priced();
    const wf = workflow("Price", lookup);
    await run(wf, "abc", quiet);
    await run(wf, "abc", quiet);
    expect(calls).toEqual(["abc", "abc"]);
  });

  it("lets a result expire after its ttl, on the run's clock", async () => {
    const clock = new TestClock();
    const { calls, lookup } = priced({ ttl: "1h" });
    const wf = workflow("Price", lookup);
    const cache = memoryStore();
    await run(wf, "abc", { ...quiet, cache, clock });
    await clock.advance(HOUR - 1);
    await run(wf, "abc", { ...quiet, cache, clock });
    expect(calls).toEqual(["abc"]);
    await clock.advance(1);
    await run(wf, "abc", { ...quiet, cache, clock });
    expect(calls).toEqual(["abc", "abc"]);
  });

  it("does not reuse results made by another version of the workflow", async () => {
    const { calls, lookup } = priced();
    const cache = memoryStore();
    await run(workflow("Price", lookup, { version: "1" }), "abc", { ...quiet, cache });
    await run(workflow("Price", lookup, { version: "2" }), "abc", { ...quiet, cache });
    await run(workflow("Price", lookup, { version: "2" }), "abc", { ...quiet, cache });
    expect(calls).toEqual(["abc", "abc"]);
  });

  it("keeps no failure: a step that failed runs again next time", async () => {
    let calls = 0;
    const flaky = step("Flaky", () => {
      if (++calls === 1) throw new TransientError("busy");
      return "ok";
    }, { cache: { key: () => "k" } });
    const wf = workflow("Flaky", flaky);
    const cache = memoryStore();
    await expect(run(wf, null, { ...quiet, cache })).rejects.toBeInstanceOf(WorkflowFailed);
    expect(await run(wf, null, { ...quiet, cache })).toBe("ok");
    expect(await run(wf, null, { ...quiet, cache })).toBe("ok");
    expect(calls).toBe(2);
  });

  it("takes a hit without waiting for the step's shared limit", async () => {
    const limiters = new LimiterRegistry();
    const gate = new Gate();
    const cache = memoryStore();
    const slow = step("Slow", gate.fn, { limit: { name: "db", concurrency: 1 }, cache: { key: (x: string) => x } });
    const wf = workflow("Slow", slow);
    const first = start(wf, "a", { ...quiet, limiters, cache });
    await flush();
    gate.last.resolve("A");
    await first.result;
    const holder = start(wf, "b", { ...quiet, limiters, cache });
    await flush();
    expect(limiters.find("db")!.running).toBe(1);
    expect(await run(wf, "a", { ...quiet, limiters, cache })).toBe("A");
    gate.last.resolve("B");
    await holder.result;
    expect(gate.calls.map((c) => c.input)).toEqual(["a", "b"]);
  });

  it("shares results between the items of a map", async () => {
    const { calls, lookup } = priced();
    const wf = workflow("Prices", map("Prices", lookup, { items: (skus: string[]) => skus, maxConcurrency: 1 }));
    const out = await run(wf, ["abc", "abc", "de"], { ...quiet, cache: memoryStore() });
    expect(out).toEqual([{ sku: "abc", price: 30 }, { sku: "abc", price: 30 }, { sku: "de", price: 20 }]);
    expect(calls).toEqual(["abc", "de"]);
  });

  it("fails the step with a LogicError naming it when the key cannot be computed", async () => {
    const wf = workflow("Bad", step("Keyed", () => 1, { cache: { key: (x: { id: string }) => x.id.toUpperCase() } }));
    const error = await run(wf, {}, { ...quiet, cache: memoryStore() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailed);
    expect((error as WorkflowFailed).cause).toBeInstanceOf(LogicError);
    expect((error as WorkflowFailed).cause).toMatchObject({ code: "cache_key_failed" });
    expect(((error as WorkflowFailed).cause as Error).message).toContain('The cache key of step "Keyed" could not be computed');
    const empty = await run(workflow("Empty", step("Keyed", () => 1, { cache: { key: () => "" } })), {}, { ...quiet, cache: memoryStore() }).catch((e: unknown) => e);
    expect((empty as WorkflowFailed).cause).toMatchObject({ code: "invalid_cache_key" });
  });

  it("runs the step, and says so, when the cache cannot be read or written", async () => {
    const broken = { getCached: () => Promise.reject(new Error("disk gone")), putCached: () => Promise.reject(new Error("disk gone")) } as unknown as Store;
    const { calls, lookup } = priced();
    const warnings: string[] = [];
    const out = await run(workflow("Price", lookup), "abc", { cache: broken, log: (e) => void (e.level === "warn" && warnings.push(e.message)) });
    expect(out).toEqual({ sku: "abc", price: 30 });
    expect(calls).toEqual(["abc"]);
    expect(warnings).toEqual([
      "The step cache could not be read; the step runs: disk gone",
      "The step cache could not keep the result: disk gone",
    ]);
  });

  it("refuses a cache option without a key function when the workflow is defined", () => {
    expect(() => step("S", () => 1, { cache: { key: "sku" } as never })).toThrow(DefinitionError);
    expect(() => step("S", () => 1, { cache: { key: () => "k", ttl: "soon" as Duration } })).toThrow(DefinitionError);
  });
});

describe("step result caching in the durable engine", () => {
  it("keeps results in the engine's store, shows a hit in the run's state, and forgets them when invalidated by key or version", async () => {
    const { calls, lookup } = priced();
    const store = memoryStore();
    const engine = createEngine({ workflows: [workflow("Price", lookup)], store, ...quiet });
    await engine.start("Price", "abc", { runId: "r1" });
    await engine.result("r1");
    await engine.start("Price", "abc", { runId: "r2" });
    expect(await engine.result("r2")).toEqual({ sku: "abc", price: 30 });
    expect(calls).toEqual(["abc"]);
    const journal = await store.journal("r2");
    expect(journal.some((e) => e.ops.includes('"cached"') && e.ops.includes('"from":"r1"'))).toBe(true);

    expect(await engine.invalidateCache({ workflow: "Price", key: "sku:abc" })).toBe(1);
    await engine.start("Price", "abc", { runId: "r3" });
    await engine.result("r3");
    expect(calls).toEqual(["abc", "abc"]);
    expect(await engine.invalidateCache({ workflow: "Price", version: "1" })).toBe(1);
    expect(await engine.invalidateCache({ workflow: "Price" })).toBe(0);
    await engine.close();
  });
});
