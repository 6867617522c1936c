// The store contract: one suite that every store adapter must pass unchanged.
import { describe, expect, it } from "vitest";
import type { CacheRecord, RunRecord, ScheduleRecord, Store } from "../../src/index.js";
import { emptyBatch } from "../../src/store/store.js";

function schedule(name: string, overrides: Partial<ScheduleRecord> = {}): ScheduleRecord {
  return {
    name,
    workflow: "W",
    cron: "0 3 * * *",
    timezone: "UTC",
    input: "{}",
    overlap: "skip",
    catchup: "latest",
    nextAt: 10_800_000,
    lastRunId: null,
    buffered: "[]",
    starting: "[]",
    rev: 1,
    createdAt: 1000,
    updatedAt: 1000,
    ...overrides,
  };
}

function cached(key: string, overrides: Partial<CacheRecord> = {}): CacheRecord {
  return { workflow: "W", path: "Fetch", key, version: "1", value: '{"v":1}', runId: "r1", createdAt: 1000, expiresAt: null, ...overrides };
}

function record(runId: string, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    runId,
    workflow: "W",
    version: "1",
    hash: "h1",
    status: "running",
    input: "{}",
    output: null,
    error: null,
    waitingFor: "[]",
    wakeAt: null,
    seq: 0,
    createdAt: 1000,
    updatedAt: 1000,
    ...overrides,
  };
}

export function storeContract(name: string, open: () => Promise<Store>): void {
  describe(`store contract: ${name}`, () => {
    it("creates a run with its initial snapshot once; a second create leaves the first as it was", async () => {
      const store = await open();
      expect((await store.createRun(record("r1"), { runId: "r1", seq: 0, data: '{"a":1}' })).created).toBe(true);
      const second = await store.createRun(record("r1", { workflow: "Other" }), { runId: "r1", seq: 0, data: '{"a":2}' });
      expect(second.created).toBe(false);
      expect(second.run.workflow).toBe("W");
      expect((await store.loadRun("r1"))!.snapshot!.data).toBe('{"a":1}');
      await store.close();
    });

    it("commits journal, snapshots, run updates and signal acknowledgements together", async () => {
      const store = await open();
      await store.createRun(record("r2"), { runId: "r2", seq: 0, data: "{}" });
      const signal = await store.addSignal("r2", '{"type":"GO"}', 1500);
      await store.commit({
        ...emptyBatch(),
        journal: [
          { runId: "r2", seq: 1, at: 2000, ops: "[1]" },
          { runId: "r2", seq: 2, at: 2001, ops: "[2]" },
        ],
        runs: [{ runId: "r2", status: "waiting", output: null, error: null, waitingFor: '["GO"]', wakeAt: 9000, seq: 2, updatedAt: 2001 }],
        delivered: [signal.id],
      });
      const loaded = await store.loadRun("r2");
      expect(loaded!.journal.map((e) => e.seq)).toEqual([1, 2]);
      expect(loaded!.run).toMatchObject({ status: "waiting", waitingFor: '["GO"]', wakeAt: 9000, seq: 2, updatedAt: 2001 });
      expect(await store.pendingSignals("r2")).toEqual([]);
      await store.close();
    });

    it("loads the latest snapshot and only the journal after it", async () => {
      const store = await open();
      await store.createRun(record("r3"), { runId: "r3", seq: 0, data: "s0" });
      await store.commit({ ...emptyBatch(), journal: [1, 2, 3].map((seq) => ({ runId: "r3", seq, at: seq, ops: `[${seq}]` })) });
      await store.commit({ ...emptyBatch(), journal: [{ runId: "r3", seq: 4, at: 4, ops: "[4]" }], snapshots: [{ runId: "r3", seq: 4, data: "s4" }] });
      await store.commit({ ...emptyBatch(), journal: [{ runId: "r3", seq: 5, at: 5, ops: "[5]" }] });
      const loaded = await store.loadRun("r3");
      expect(loaded!.snapshot).toEqual({ runId: "r3", seq: 4, data: "s4" });
      expect(loaded!.journal.map((e) => e.seq)).toEqual([5]);
      expect((await store.journal("r3")).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      await store.close();
    });

    it("rejects a batch whose journal entry exists already, and keeps none of it", async () => {
      const store = await open();
      await store.createRun(record("r4"), { runId: "r4", seq: 0, data: "{}" });
      await store.commit({ ...emptyBatch(), journal: [{ runId: "r4", seq: 1, at: 1, ops: "[]" }] });
      await expect(
        store.commit({
          ...emptyBatch(),
          journal: [
            { runId: "r4", seq: 2, at: 2, ops: "[]" },
            { runId: "r4", seq: 1, at: 3, ops: "[]" },
          ],
          runs: [{ runId: "r4", status: "done", output: "1", error: null, waitingFor: "[]", wakeAt: null, seq: 2, updatedAt: 3 }],
        }),
      ).rejects.toThrow();
      expect((await store.journal("r4")).map((e) => e.seq)).toEqual([1]);
      expect((await store.getRun("r4"))!.status).toBe("running");
      await store.close();
    });

    it("lists runs by status and workflow, oldest first, up to a limit", async () => {
      const store = await open();
      await store.createRun(record("b", { createdAt: 2 }), { runId: "b", seq: 0, data: "{}" });
      await store.createRun(record("a", { createdAt: 1, workflow: "V" }), { runId: "a", seq: 0, data: "{}" });
      await store.createRun(record("c", { createdAt: 3, status: "done" }), { runId: "c", seq: 0, data: "{}" });
      expect((await store.listRuns({})).map((r) => r.runId)).toEqual(["a", "b", "c"]);
      expect((await store.listRuns({ status: "running" })).map((r) => r.runId)).toEqual(["a", "b"]);
      expect((await store.listRuns({ status: ["done", "running"], workflow: "W" })).map((r) => r.runId)).toEqual(["b", "c"]);
      expect((await store.listRuns({ limit: 1 })).map((r) => r.runId)).toEqual(["a"]);
      expect(await store.unfinishedRuns()).toEqual(["a", "b"]);
      await store.close();
    });

    it("finds waiting runs whose wake time has come, and the next wake time after a moment", async () => {
      const store = await open();
      await store.createRun(record("early", { wakeAt: 100 }), { runId: "early", seq: 0, data: "{}" });
      await store.createRun(record("late", { wakeAt: 500 }), { runId: "late", seq: 0, data: "{}" });
      await store.createRun(record("ended", { wakeAt: 50, status: "done" }), { runId: "ended", seq: 0, data: "{}" });
      expect(await store.nextWakeAt(0)).toBe(100);
      expect(await store.nextWakeAt(100)).toBe(500);
      expect(await store.nextWakeAt(500)).toBeNull();
      expect(await store.dueRuns(100, 10)).toEqual(["early"]);
      expect(await store.dueRuns(1000, 10)).toEqual(["early", "late"]);
      expect(await store.dueRuns(1000, 1)).toEqual(["early"]);
      await store.close();
    });

    it("keeps signals pending, in order, until acknowledged", async () => {
      const store = await open();
      const s1 = await store.addSignal("x", '{"type":"A"}', 1);
      const s2 = await store.addSignal("y", '{"type":"B"}', 2);
      const s3 = await store.addSignal("x", '{"type":"C"}', 3);
      expect((await store.pendingSignals()).map((s) => s.id)).toEqual([s1.id, s2.id, s3.id]);
      expect((await store.pendingSignals("x")).map((s) => s.event)).toEqual(['{"type":"A"}', '{"type":"C"}']);
      await store.commit({ ...emptyBatch(), delivered: [s1.id] });
      expect((await store.pendingSignals("x")).map((s) => s.id)).toEqual([s3.id]);
      await store.close();
    });

    it("stores hostile ids and payloads as data", async () => {
      const store = await open();
      const id = `'; DROP TABLE runs; -- ${"\u0000".repeat(0)}"x"`;
      await store.createRun(record(id, { input: JSON.stringify({ "'": "\"" }) }), { runId: id, seq: 0, data: "{}" });
      expect((await store.getRun(id))!.input).toBe(JSON.stringify({ "'": "\"" }));
      expect((await store.listRuns({})).length).toBe(1);
      await store.close();
    });

    it("saves a schedule only over the revision it read, so two writers cannot both move its cursor", async () => {
      const store = await open();
      expect(await store.saveSchedule(schedule("nightly"))).toBe(true);
      expect(await store.saveSchedule(schedule("nightly", { cron: "* * * * *" }))).toBe(false);
      const read = (await store.getSchedule("nightly"))!;
      expect(read).toEqual(schedule("nightly"));
      expect(await store.saveSchedule({ ...read, nextAt: 97_200_000, lastRunId: "nightly@1", rev: 2 }, 1)).toBe(true);
      expect(await store.saveSchedule({ ...read, nextAt: 1, rev: 2 }, 1)).toBe(false);
      expect(await store.getSchedule("nightly")).toMatchObject({ nextAt: 97_200_000, lastRunId: "nightly@1", rev: 2 });
      await store.saveSchedule(schedule("hourly", { cron: "0 * * * *" }));
      expect((await store.listSchedules()).map((s) => s.name)).toEqual(["hourly", "nightly"]);
      expect(await store.deleteSchedule("hourly")).toBe(true);
      expect(await store.deleteSchedule("hourly")).toBe(false);
      expect(await store.getSchedule("hourly")).toBeUndefined();
      await store.close();
    });

    it("keeps one cached result per workflow, step and key, and invalidates by key or by version", async () => {
      const store = await open();
      await store.putCached(cached("a"));
      await store.putCached(cached("a", { value: '{"v":2}', runId: "r2", expiresAt: 5000 }));
      await store.putCached(cached("b", { version: "2" }));
      await store.putCached(cached("a", { path: "Other" }));
      expect(await store.getCached("W", "Fetch", "a")).toEqual(cached("a", { value: '{"v":2}', runId: "r2", expiresAt: 5000 }));
      expect(await store.getCached("W", "Fetch", "missing")).toBeUndefined();
      expect(await store.invalidateCache({ workflow: "W", version: "2" })).toBe(1);
      expect(await store.getCached("W", "Fetch", "b")).toBeUndefined();
      expect(await store.invalidateCache({ workflow: "W", key: "a" })).toBe(2);
      expect(await store.getCached("W", "Other", "a")).toBeUndefined();
      expect(await store.invalidateCache({ workflow: "W" })).toBe(0);
      await store.close();
    });
  });
}
