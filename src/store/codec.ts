// Payload protection: a codec encodes every piece of run data on its way into
// a store and decodes it on the way out — inputs, outputs, errors, snapshots,
// journal entries, signal payloads, cached step results, schedule inputs — so
// that data at rest can be encrypted (see aesGcmCodec). What the store needs to
// find runs stays readable: ids, workflow names, statuses, wake times and the
// event types a run waits for. The engine never sees encoded text.
import type { Batch, CacheRecord, JournalEntry, LoadedRun, RunRecord, ScheduleRecord, SignalRecord, SnapshotRecord, Store } from "./store.js";

/** Turns stored text into encoded text and back; `decode(encode(x)) === x`. */
export interface Codec {
  encode(text: string): string | Promise<string>;
  decode(text: string): string | Promise<string>;
}

/**
 * A store that passes every payload through `codec`; other methods (and any a
 * store adds) go to `store` unchanged.
 * @example
 * const store = codecStore(sqliteStore(), aesGcmCodec({ keys: { "2026-11": key } }));
 */
export function codecStore<S extends Store>(store: S, codec: Codec): S {
  const enc = async (text: string) => codec.encode(text);
  const dec = async (text: string) => codec.decode(text);
  const encNull = async (text: string | null) => (text === null ? null : enc(text));
  const decNull = async (text: string | null) => (text === null ? null : dec(text));
  const encRun = async (run: RunRecord): Promise<RunRecord> => ({ ...run, input: await enc(run.input), output: await encNull(run.output), error: await encNull(run.error) });
  const decRun = async (run: RunRecord): Promise<RunRecord> => ({ ...run, input: await dec(run.input), output: await decNull(run.output), error: await decNull(run.error) });
  const decEntries = (entries: JournalEntry[]) => Promise.all(entries.map(async (e) => ({ ...e, ops: await dec(e.ops) })));
  const decSignals = (signals: SignalRecord[]) => Promise.all(signals.map(async (s) => ({ ...s, event: await dec(s.event) })));
  const decSchedule = async (s: ScheduleRecord): Promise<ScheduleRecord> => ({ ...s, input: await dec(s.input) });

  const overrides: Partial<Store> = {
    async createRun(run: RunRecord, snapshot: SnapshotRecord) {
      const result = await store.createRun(await encRun(run), { ...snapshot, data: await enc(snapshot.data) });
      return { created: result.created, run: await decRun(result.run) };
    },
    async getRun(runId: string) {
      const run = await store.getRun(runId);
      return run && decRun(run);
    },
    async listRuns(filter) {
      return Promise.all((await store.listRuns(filter)).map(decRun));
    },
    async loadRun(runId: string): Promise<LoadedRun | undefined> {
      const loaded = await store.loadRun(runId);
      if (!loaded) return undefined;
      return {
        run: await decRun(loaded.run),
        snapshot: loaded.snapshot && { ...loaded.snapshot, data: await dec(loaded.snapshot.data) },
        journal: await decEntries(loaded.journal),
      };
    },
    async journal(runId: string) {
      return decEntries(await store.journal(runId));
    },
    async commit(batch: Batch) {
      await store.commit({
        ...batch,
        journal: await Promise.all(batch.journal.map(async (e) => ({ ...e, ops: await enc(e.ops) }))),
        snapshots: await Promise.all(batch.snapshots.map(async (s) => ({ ...s, data: await enc(s.data) }))),
        runs: await Promise.all(batch.runs.map(async (r) => ({ ...r, output: await encNull(r.output), error: await encNull(r.error) }))),
      });
    },
    async addSignal(runId: string, event: string, at: number) {
      return { ...(await store.addSignal(runId, await enc(event), at)), event };
    },
    async pendingSignals(runId?: string) {
      return decSignals(await store.pendingSignals(runId));
    },
    async getSchedule(name: string) {
      const schedule = await store.getSchedule(name);
      return schedule && decSchedule(schedule);
    },
    async listSchedules() {
      return Promise.all((await store.listSchedules()).map(decSchedule));
    },
    async saveSchedule(schedule: ScheduleRecord, expectedRev?: number) {
      return store.saveSchedule({ ...schedule, input: await enc(schedule.input) }, expectedRev);
    },
    async getCached(workflow: string, path: string, key: string) {
      const entry = await store.getCached(workflow, path, key);
      return entry && { ...entry, value: await dec(entry.value) };
    },
    async putCached(entry: CacheRecord) {
      await store.putCached({ ...entry, value: await enc(entry.value) });
    },
  };
  return new Proxy(store, {
    get(target, key) {
      if (typeof key === "string" && Object.hasOwn(overrides, key)) return overrides[key as keyof Store];
      const value = Reflect.get(target, key) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
