// The store contract: one suite that every store adapter must pass unchanged.
import { describe, expect, it } from "vitest";
import type { CacheRecord, RunRecord, ScheduleRecord, Store } from "../../src/index.js";
import type { Notice } from "../../src/store/store.js";
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

/** Resolves once `check` holds, looking every few ms (notices of a shared store travel through the database). */
async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out waiting for the condition");
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const snap = (runId: string) => ({ runId, seq: 0, data: "{}" });

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
    it("hands a run nobody holds to the first worker that claims it and moves its generation on every claim", async () => {
      const store = await open();
      await store.heartbeat("w1", 1000, 31_000);
      await store.heartbeat("w2", 1000, 31_000);
      await store.createRun(record("free"), snap("free"));
      expect(await store.claimRun("free", "w1", 1000)).toBe(1);
      expect(await store.claimRun("free", "w2", 1000)).toBeUndefined();
      expect(await store.claimRun("free", "w1", 1000)).toBe(2);
      expect(await store.claimRun("free", "w2", 1000, true)).toBe(3);
      await store.createRun(record("mine"), snap("mine"), "w1");
      expect(await store.claimRun("mine", "w2", 1000)).toBeUndefined();
      await store.createRun(record("over", { status: "done" }), snap("over"));
      expect(await store.claimRun("over", "w1", 1000)).toBeUndefined();
      expect(await store.claimRun("missing", "w1", 1000)).toBeUndefined();
      await store.close();
    });

    it("lets another worker take the runs of a worker whose lease lapsed, and refuses the earlier holder's writes with LeaseLostError", async () => {
      const store = await open();
      await store.heartbeat("old", 1000, 2000);
      await store.createRun(record("r"), snap("r"), "old");
      await store.heartbeat("new", 1000, 60_000);
      expect(await store.claimRun("r", "new", 1500)).toBeUndefined();
      expect(await store.claimRun("r", "new", 2001)).toBe(2);
      const stale = store.commit({
        ...emptyBatch(),
        leases: [{ runId: "r", generation: 1 }],
        journal: [{ runId: "r", seq: 1, at: 2002, ops: "[1]" }],
        runs: [{ runId: "r", status: "done", output: "1", error: null, waitingFor: "[]", wakeAt: null, seq: 1, updatedAt: 2002 }],
      });
      await expect(stale).rejects.toThrow(expect.objectContaining({ name: "LeaseLostError", code: "lease_lost", category: "transient", runIds: ["r"] }));
      await expect(stale).rejects.toThrow(/^The lease on run r moved to another worker/);
      expect(await store.journal("r")).toEqual([]);
      expect((await store.getRun("r"))!.status).toBe("running");
      await store.commit({ ...emptyBatch(), leases: [{ runId: "r", generation: 2 }], journal: [{ runId: "r", seq: 1, at: 2003, ops: "[2]" }] });
      expect((await store.journal("r")).map((e) => e.ops)).toEqual(["[2]"]);
      await store.close();
    });

    it("renews a live lease on heartbeat and reports one that had lapsed", async () => {
      const store = await open();
      expect(await store.heartbeat("w", 1000, 2000)).toBe(true);
      expect(await store.heartbeat("w", 1900, 3000)).toBe(true);
      expect(await store.heartbeat("w", 3001, 4000)).toBe(false);
      expect(await store.heartbeat("w", 3500, 5000)).toBe(true);
      await store.close();
    });

    it("claims only runs with work that no live lease holds, oldest first, up to a limit", async () => {
      const store = await open();
      await store.heartbeat("busy", 0, 100_000);
      await store.heartbeat("me", 0, 100_000);
      await store.createRun(record("running-2", { createdAt: 2 }), snap("running-2"));
      await store.createRun(record("running-1", { createdAt: 1 }), snap("running-1"));
      await store.createRun(record("held", { createdAt: 0 }), snap("held"), "busy");
      await store.createRun(record("due", { createdAt: 3, status: "waiting", wakeAt: 500 }), snap("due"));
      await store.createRun(record("later", { createdAt: 4, status: "waiting", wakeAt: 5000 }), snap("later"));
      await store.createRun(record("signalled", { createdAt: 5, status: "waiting", waitingFor: '["GO"]' }), snap("signalled"));
      await store.createRun(record("idle", { createdAt: 6, status: "waiting", waitingFor: '["GO"]' }), snap("idle"));
      await store.createRun(record("ended", { createdAt: 7, status: "done", wakeAt: 1 }), snap("ended"));
      await store.addSignal("signalled", '{"type":"GO"}', 10);
      expect(await store.claimRuns("me", 1000, 2)).toEqual([
        { runId: "running-1", generation: 1 },
        { runId: "running-2", generation: 1 },
      ]);
      expect((await store.claimRuns("me", 1000, 10)).map((l) => l.runId)).toEqual(["due", "signalled"]);
      expect(await store.claimRuns("me", 1000, 10)).toEqual([]);
      await store.close();
    });

    it("never hands one run to two workers claiming at the same moment", async () => {
      const store = await open();
      for (let i = 0; i < 20; i++) await store.createRun(record(`c${i}`, { createdAt: i }), snap(`c${i}`));
      const workers = ["a", "b", "c", "d"];
      for (const w of workers) await store.heartbeat(w, 0, 100_000);
      const claims = await Promise.all(workers.flatMap((w) => [store.claimRuns(w, 1000, 4), store.claimRuns(w, 1000, 4)]));
      const ids = claims.flat().map((l) => l.runId);
      expect(new Set(ids).size).toBe(ids.length);
      await store.close();
    });

    it("frees a released run for other workers and says whether signals wait for it; a release under an old generation does nothing", async () => {
      const store = await open();
      await store.heartbeat("a", 0, 100_000);
      await store.heartbeat("b", 0, 100_000);
      await store.createRun(record("r", { status: "waiting" }), snap("r"), "a");
      expect(await store.releaseRun({ runId: "r", generation: 1 }, "a")).toBe(false);
      expect(await store.claimRun("r", "b", 1000)).toBe(2);
      await store.addSignal("r", '{"type":"GO"}', 1);
      expect(await store.releaseRun({ runId: "r", generation: 1 }, "a")).toBe(false);
      expect(await store.claimRun("r", "a", 1000)).toBeUndefined();
      expect(await store.releaseRun({ runId: "r", generation: 2 }, "b")).toBe(true);
      expect(await store.claimRun("r", "a", 1000)).toBe(3);
      await store.close();
    });

    it("frees every run of a retired worker at once", async () => {
      const store = await open();
      await store.heartbeat("leaving", 0, 100_000);
      await store.heartbeat("staying", 0, 100_000);
      await store.createRun(record("r"), snap("r"), "leaving");
      expect(await store.claimRuns("staying", 1000, 10)).toEqual([]);
      await store.retire("leaving");
      expect(await store.claimRuns("staying", 1000, 10)).toEqual([{ runId: "r", generation: 2 }]);
      await store.close();
    });

    it("tells listeners of runs nobody holds, of signals and of runs that ended, until they stop listening", async () => {
      const store = await open();
      const notices: Notice[] = [];
      const stop = await store.listen((n) => notices.push(n));
      const has = (kind: string, runId: string) => notices.some((n) => n.kind === kind && "runId" in n && n.runId === runId);
      await store.createRun(record("n1"), snap("n1"));
      await eventually(() => has("run", "n1"));
      await store.addSignal("n1", '{"type":"GO"}', 1);
      await eventually(() => has("signal", "n1"));
      await store.commit({ ...emptyBatch(), runs: [{ runId: "n1", status: "done", output: "1", error: null, waitingFor: "[]", wakeAt: null, seq: 0, updatedAt: 2 }] });
      await eventually(() => has("ended", "n1"));
      await stop();
      const seen = notices.length;
      await store.addSignal("n1", '{"type":"GO"}', 3);
      await store.createRun(record("n2"), snap("n2"));
      await store.getRun("n2"); // a round trip: a notice sent before it would have arrived
      expect(notices.length).toBe(seen);
      await store.close();
    });
  });
}
