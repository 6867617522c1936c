// The durable engine: runs that survive crashes and restarts. Owns the live
// runs of this process, writes every change of a run to the store before the
// run goes on (a step starts only once the state that dispatched it is
// committed; changes of all runs are committed together, once per tick),
// drops idle runs from memory and wakes them for their timers and signals,
// and resumes every unfinished run when it starts. It must not reach into a
// machine's states: it reads snapshots, tags and meta only.
import { randomUUID } from "node:crypto";
import { createActor, type AnyActorRef, type AnyEventObject, type InspectionEvent, type Observer } from "xstate";
import { systemClock, type Clock } from "../clock.js";
import type { BreakerRegistry } from "../compile/breaker.js";
import { compile } from "../compile/compile.js";
import type { CompiledMachine } from "../compile/machine.js";
import { consoleLog, provideServices, type LogEntry } from "../compile/services.js";
import { CANCEL_EVENT } from "../compile/workflow.js";
import type { Flow } from "../dsl/flow.js";
import {
  errorFromJSON,
  errorToJSON,
  IncompatibleVersionError,
  LogicError,
  toStepchartError,
  ValidationError,
} from "../errors.js";
import { accepts, deliver, waitingFor } from "../runtime/deliver.js";
import { outcomeOf } from "../runtime/outcome.js";
import { storeCache } from "../runtime/cache.js";
import { sqliteStore } from "../store/sqlite/sqlite-store.js";
import { codecStore, type Codec } from "../store/codec.js";
import type { Limits } from "../compile/limiter.js";
import { StoreLimits } from "./shared-limits.js";
import { emptyBatch, FINAL_STATUSES, hasSharedLimits, type Batch, type CacheFilter, type RunFilter, type RunRecord, type RunStatus, type Store } from "../store/store.js";
import { apply, diff, type Op } from "./patch.js";
import { persistedOf, statusOf, wakeAtOf } from "./run-state.js";
import { Scheduler, type ScheduleOptions, type ScheduleView } from "./schedules.js";
import { compatibility, definitionHash } from "./version.js";

export interface EngineOptions {
  /** The workflows this engine runs. Several versions of one name may be registered; new runs use the last one. */
  workflows: Flow[];
  /** Where runs are kept. @default sqliteStore(".stepchart/stepchart.db") */
  store?: Store;
  /** @default the system clock */
  clock?: Clock;
  /** Receives what steps write with `ctx.log` and what the engine reports. @default the console */
  log?: (entry: LogEntry) => void;
  /** Write a full snapshot every this many journal entries of a run (and whenever it goes idle or ends). @default 100 */
  snapshotEvery?: number;
  /** An idle run stays in memory while its next timer is due within this many ms. @default 1000 */
  keepIdleMs?: number;
  /** Receives every XState inspection event of every run (for `@statelyai/inspect`). @default none */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** The circuit breakers of the runs. @default the ones every run of the process shares */
  breakers?: BreakerRegistry;
  /**
   * Encodes every payload before it reaches the store (inputs, outputs,
   * errors, snapshots, journal, signals, cached results): `aesGcmCodec(...)`
   * encrypts data at rest. @default none
   */
  codec?: Codec;
  /**
   * Where steps get permits of their shared limits. @default the store's shared
   * limits when it has them (PostgreSQL: every worker counts against one limit),
   * else the ones every run of this process shares
   */
  limiters?: Limits;
}

export interface StartOptions {
  /** The run's id; starting an id that exists returns that run. @default a random UUID */
  runId?: string;
}

/** What `engine.get` and `engine.list` tell about a run. */
export interface RunView {
  runId: string;
  workflow: string;
  version: string;
  status: RunStatus;
  /** The state the run is in (`get` only). */
  value?: unknown;
  output?: unknown;
  error?: Error;
  /** The event types the run waits for. */
  waitingFor: string[];
  /** When the run's next timer is due. */
  wakeAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface Engine {
  /** Starts a run of the workflow named `workflow` (idempotent by run id). */
  start(workflow: string, input: unknown, options?: StartOptions): Promise<{ runId: string; created: boolean; status: RunStatus }>;
  /** Sends an event to a run, wherever it is; resolves once its effect is committed. */
  signal(runId: string, event: AnyEventObject): Promise<void>;
  /** Resolves with the run's output once done; rejects with WorkflowFailed, RunCancelledError or IncompatibleVersionError. */
  result(runId: string): Promise<unknown>;
  get(runId: string): Promise<RunView | undefined>;
  list(filter?: RunFilter): Promise<RunView[]>;
  /** Cancels a run: compensates its completed compensable steps, then its status is `cancelled`. */
  cancel(runId: string): Promise<void>;
  /**
   * Starts `workflow` at every slot of a cron pattern, from now on, in every
   * engine on this store (a slot starts once, as run `<name>@<slot ISO time>`).
   * Defining the same schedule again keeps it as it is; a changed one takes
   * effect from the next slot.
   * @example
   * await engine.schedule("nightly-report", "ReportGeneration", { cron: "0 3 * * *", timezone: "Europe/Berlin", input: { days: 1 } });
   */
  schedule(name: string, workflow: string, options: ScheduleOptions): Promise<ScheduleView>;
  /** Removes a schedule (its runs go on); false when there was none. */
  unschedule(name: string): Promise<boolean>;
  /** Every schedule in the store, by name. */
  schedules(): Promise<ScheduleView[]>;
  /**
   * Forgets cached step results of a workflow: all of them, or those of one
   * step `path`, one `key` or one `version`; resolves with how many.
   * (A result counts only for the version that made it anyway.)
   */
  invalidateCache(filter: CacheFilter): Promise<number>;
  /** Which unfinished runs could not continue under `workflow` (run before a deploy). */
  checkCompatibility(workflow: Flow): Promise<{ runId: string; missing: string[] }[]>;
  /** Resolves once the engine has resumed the unfinished runs it found. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

interface Definition {
  flow: Flow;
  name: string;
  version: string;
  machine: CompiledMachine;
  hash: string;
}

/** A run this process holds in memory. */
class LiveRun {
  /** The persisted snapshot last committed (or being committed). */
  last: unknown;
  seq: number;
  sinceSnapshot = 0;
  status: RunStatus;
  waitingFor: string;
  wakeAt: number | null;
  /** Signals delivered since the last commit. */
  delivered: number[] = [];
  /** Set once the run leaves memory: later transitions (its stop) are not changes. */
  gone = false;

  constructor(
    readonly record: RunRecord,
    readonly definition: Definition,
    readonly actor: AnyActorRef,
    last: unknown,
    seq: number,
  ) {
    this.last = last;
    this.seq = seq;
    this.status = record.status;
    this.waitingFor = record.waitingFor;
    this.wakeAt = record.wakeAt;
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function assertJson(value: unknown, what: string): string {
  try {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError("undefined");
    return text;
  } catch (e) {
    throw new ValidationError(`Expected ${what} to be JSON data (plain objects, arrays, strings, numbers, booleans, null), got something JSON cannot hold`, {
      code: "not_json",
      cause: e,
    });
  }
}

class DurableEngine implements Engine {
  readonly ready: Promise<void>;
  readonly #store: Store;
  readonly #ownsStore: boolean;
  readonly #clock: Clock;
  readonly #log: (entry: LogEntry) => void;
  readonly #snapshotEvery: number;
  readonly #keepIdleMs: number;
  readonly #options: EngineOptions;
  readonly #byName = new Map<string, Definition[]>();
  readonly #live = new Map<string, LiveRun>();
  readonly #loading = new Map<string, Promise<LiveRun | undefined>>();
  readonly #dirty = new Set<LiveRun>();
  /** The flush that will commit the changes made since the last one started. */
  #pending: Deferred | undefined;
  /** Commits run one after the other, in the order their changes were captured. */
  #commits: Promise<void> = Promise.resolve();
  readonly #waiters = new Map<string, { resolve(value: unknown): void; reject(error: unknown): void }[]>();
  #wakeTimer: unknown;
  #wakeAt: number | null = null;
  #closed = false;
  readonly #scheduler: Scheduler;
  readonly #limiters: Limits | undefined;
  readonly #storeLimits: StoreLimits | undefined;

  constructor(options: EngineOptions) {
    this.#options = options;
    const store = options.store ?? sqliteStore();
    this.#store = options.codec ? codecStore(store, options.codec) : store;
    this.#ownsStore = options.store === undefined;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.log ?? consoleLog;
    this.#snapshotEvery = options.snapshotEvery ?? 100;
    this.#keepIdleMs = options.keepIdleMs ?? 1000;
    for (const flow of options.workflows) {
      const machine = compile(flow) as unknown as CompiledMachine;
      const definition: Definition = { flow, name: machine.info.workflow, version: machine.info.version, machine, hash: definitionHash(machine) };
      const versions = this.#byName.get(definition.name) ?? [];
      versions.push(definition);
      this.#byName.set(definition.name, versions);
    }
    this.#storeLimits = !options.limiters && hasSharedLimits(this.#store) ? new StoreLimits(this.#store, { clock: this.#clock }) : undefined;
    this.#limiters = options.limiters ?? this.#storeLimits;
    this.#scheduler = new Scheduler({
      store: this.#store,
      clock: this.#clock,
      log: this.#log,
      hasWorkflow: (name) => this.#byName.has(name),
      start: (workflow, input, runId) => this.start(workflow, input, { runId }),
      whenEnded: (runId) => this.result(runId).then(
        () => undefined,
        () => undefined,
      ),
      hasEnded: async (runId) => {
        const run = await this.#store.getRun(runId);
        return !run || FINAL_STATUSES.includes(run.status);
      },
    });
    this.ready = this.#resume();
    // Slots that came while no engine ran start once the engine is ready (starting them needs it).
    this.ready.then(() => this.#scheduler.tick()).catch(() => undefined);
    this.ready.catch((e) => this.#log({ level: "error", message: "The engine could not resume its runs", runId: "-", path: "-", fields: { error: String(e) } }));
  }

  // ---- public API

  async start(workflow: string, input: unknown, options: StartOptions = {}) {
    await this.ready;
    this.#assertOpen();
    const definition = this.#byName.get(workflow)?.at(-1);
    if (!definition) {
      throw new ValidationError(`No workflow named "${workflow}" is registered with this engine (registered: ${[...this.#byName.keys()].join(", ") || "none"})`, {
        code: "unknown_workflow",
      });
    }
    const inputJson = assertJson(input === undefined ? null : input, `the input of "${workflow}"`);
    const runId = options.runId ?? randomUUID();
    if (typeof runId !== "string" || runId === "" || runId.length > 200) {
      throw new ValidationError(`Expected runId to be a non-empty string of at most 200 characters, got ${JSON.stringify(runId)}`, { code: "invalid_run_id" });
    }
    const live = this.#live.get(runId);
    if (live) return this.#existing(live.record, workflow, live.status);

    const actor = this.#actor(definition, { input: JSON.parse(inputJson), id: runId });
    const initial = actor.getPersistedSnapshot();
    const now = this.#clock.now();
    const record: RunRecord = {
      runId,
      workflow: definition.name,
      version: definition.version,
      hash: definition.hash,
      status: "running",
      input: inputJson,
      output: null,
      error: null,
      waitingFor: "[]",
      wakeAt: null,
      seq: 0,
      createdAt: now,
      updatedAt: now,
    };
    const { created, run: stored } = await this.#store.createRun(record, { runId, seq: 0, data: JSON.stringify(initial) });
    if (!created) return this.#existing(stored, workflow);
    const run = new LiveRun(record, definition, actor, initial, 0);
    this.#bind(run);
    this.#live.set(runId, run);
    actor.start();
    this.#markDirty(run);
    await this.#pending?.promise;
    return { runId, created: true, status: run.status };
  }

  async signal(runId: string, event: AnyEventObject): Promise<void> {
    await this.ready;
    this.#assertOpen();
    assertJson(event, "the event");
    const run = await this.#liveOrThrow(runId);
    const check = accepts(run.actor, event);
    if (!check.delivered) {
      throw new ValidationError(
        `Run ${runId} cannot take ${event.type} now; it waits for ${check.waitingFor.join(", ") || "nothing"}`,
        { code: "event_not_accepted", details: { runId, event: event.type, waitingFor: check.waitingFor } },
      );
    }
    const signal = await this.#store.addSignal(runId, JSON.stringify(event), this.#clock.now());
    this.#deliver(run, signal.id, event);
    await this.#pending?.promise;
  }

  async cancel(runId: string): Promise<void> {
    await this.ready;
    this.#assertOpen();
    const run = await this.#liveOrThrow(runId);
    const outcome = this.result(runId).catch(() => undefined);
    const signal = await this.#store.addSignal(runId, JSON.stringify({ type: CANCEL_EVENT }), this.#clock.now());
    this.#deliver(run, signal.id, { type: CANCEL_EVENT });
    await outcome;
  }

  async result(runId: string): Promise<unknown> {
    await this.ready;
    // Wait first, then look: a run that ends while we look still settles the wait.
    const outcome = new Promise((resolve, reject) => {
      const list = this.#waiters.get(runId) ?? [];
      list.push({ resolve, reject });
      this.#waiters.set(runId, list);
    });
    if (this.#live.has(runId)) return outcome;
    const record = await this.#store.getRun(runId);
    if (!record) {
      this.#settle(runId, undefined, this.#unknownRun(runId));
    } else if (FINAL_STATUSES.includes(record.status)) {
      try {
        this.#settle(runId, settled(record));
      } catch (e) {
        this.#settle(runId, undefined, e);
      }
    }
    return outcome;
  }

  async get(runId: string): Promise<RunView | undefined> {
    await this.ready;
    const live = this.#live.get(runId);
    const record = await this.#store.getRun(runId);
    if (!record) return undefined;
    let value: unknown;
    if (live) value = live.actor.getSnapshot().value;
    else {
      const loaded = await this.#store.loadRun(runId);
      try {
        value = (loaded && rebuild(loaded.snapshot?.data, loaded.journal) as { value?: unknown })?.value;
      } catch {
        value = undefined;
      }
    }
    return { ...view(record), value };
  }

  async list(filter: RunFilter = {}): Promise<RunView[]> {
    await this.ready;
    return (await this.#store.listRuns(filter)).map(view);
  }

  async schedule(name: string, workflow: string, options: ScheduleOptions): Promise<ScheduleView> {
    await this.ready;
    this.#assertOpen();
    return this.#scheduler.define(name, workflow, options);
  }

  async unschedule(name: string): Promise<boolean> {
    await this.ready;
    return this.#scheduler.remove(name);
  }

  async schedules(): Promise<ScheduleView[]> {
    await this.ready;
    return this.#scheduler.list();
  }

  async invalidateCache(filter: CacheFilter): Promise<number> {
    await this.ready;
    if (typeof filter?.workflow !== "string") {
      throw new ValidationError("Expected invalidateCache({ workflow, path?, key?, version? }) with a workflow name", { code: "invalid_cache_filter" });
    }
    return this.#store.invalidateCache(filter);
  }

  async checkCompatibility(workflow: Flow): Promise<{ runId: string; missing: string[] }[]> {
    await this.ready;
    const machine = compile(workflow) as unknown as CompiledMachine;
    const hash = definitionHash(machine);
    const report: { runId: string; missing: string[] }[] = [];
    const runs = await this.#store.listRuns({ workflow: machine.info.workflow, status: ["running", "waiting", "escalated"], limit: Number.MAX_SAFE_INTEGER });
    for (const record of runs) {
      if (record.hash === hash) continue;
      const loaded = await this.#store.loadRun(record.runId);
      try {
        const snapshot = rebuild(loaded?.snapshot?.data, loaded?.journal ?? []) as { value: any; children?: any };
        const result = compatibility(machine, snapshot);
        if (!result.compatible) report.push({ runId: record.runId, missing: result.missing });
      } catch (e) {
        report.push({ runId: record.runId, missing: [`(unreadable snapshot: ${(e as Error).message})`] });
      }
    }
    return report;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#scheduler.close();
    this.#storeLimits?.close();
    await this.ready.catch(() => undefined);
    if (this.#wakeTimer !== undefined) this.#clock.clearTimeout(this.#wakeTimer);
    while (this.#pending) await this.#pending.promise;
    await this.#commits;
    for (const run of this.#live.values()) {
      run.gone = true;
      run.actor.stop();
    }
    this.#live.clear();
    for (const [runId, waiters] of this.#waiters) {
      for (const w of waiters) w.reject(new LogicError(`The engine was closed before run ${runId} finished; a new engine on the same store resumes it`, { code: "engine_closed" }));
    }
    this.#waiters.clear();
    if (this.#ownsStore) await this.#store.close();
  }

  // ---- runs in memory

  #actor(definition: Definition, options: { input?: unknown; snapshot?: unknown; id: string }): AnyActorRef {
    const actor = createActor(definition.machine as any, {
      ...options,
      clock: this.#clock,
      ...(this.#options.inspect ? { inspect: this.#options.inspect } : {}),
    } as any);
    return actor as AnyActorRef;
  }

  /** Connects a run's actor system to the engine. */
  #bind(run: LiveRun): void {
    provideServices(run.actor.system, {
      clock: this.#clock,
      log: this.#log,
      ...(this.#options.breakers ? { breakers: this.#options.breakers } : {}),
      ...(this.#limiters ? { limiters: this.#limiters } : {}),
      cache: storeCache(this.#store, { workflow: run.record.workflow, version: run.definition.version, runId: run.record.runId, clock: this.#clock }),
      onTransition: () => this.#markDirty(run),
      beforeStep: () => this.#pending?.promise,
    });
  }

  async #liveOrThrow(runId: string): Promise<LiveRun> {
    const run = await this.#load(runId);
    if (run) return run;
    const record = await this.#store.getRun(runId);
    if (!record) throw this.#unknownRun(runId);
    throw new ValidationError(`Run ${runId} has ended (${record.status}); it takes no more events`, { code: "run_finished", details: { runId, status: record.status } });
  }

  /** The run in memory, loading it from the store if needed; undefined when it has ended or cannot go on. */
  #load(runId: string): Promise<LiveRun | undefined> {
    const live = this.#live.get(runId);
    if (live) return Promise.resolve(live);
    let loading = this.#loading.get(runId);
    if (!loading) {
      loading = this.#restore(runId).finally(() => this.#loading.delete(runId));
      this.#loading.set(runId, loading);
    }
    return loading;
  }

  async #restore(runId: string): Promise<LiveRun | undefined> {
    const loaded = await this.#store.loadRun(runId);
    if (!loaded || FINAL_STATUSES.includes(loaded.run.status) || this.#closed) return undefined;
    const { run: record } = loaded;
    let snapshot: any;
    try {
      snapshot = rebuild(loaded.snapshot?.data, loaded.journal);
    } catch (e) {
      await this.#failStored(record, new LogicError(`Run ${runId} cannot be restored: its stored state is unreadable (${(e as Error).message})`, { code: "corrupt_run", cause: e }));
      return undefined;
    }
    const definition = this.#definitionFor(record, snapshot);
    if (definition instanceof Error) {
      await this.#failStored(record, definition);
      return undefined;
    }
    const missing = statesMissing(definition.machine, snapshot);
    if (missing.length > 0) {
      await this.#failStored(record, new LogicError(`Run ${runId} cannot be restored: its stored state names states its workflow does not have (${missing.join(", ")})`, { code: "corrupt_run" }));
      return undefined;
    }
    let actor: AnyActorRef;
    try {
      actor = this.#actor(definition, { snapshot, id: runId });
      if (actor.getSnapshot().status === "error") throw (actor.getSnapshot() as { error?: unknown }).error;
    } catch (e) {
      await this.#failStored(record, new LogicError(`Run ${runId} cannot be restored: XState refused its snapshot`, { code: "corrupt_run", cause: toStepchartError(e) }));
      return undefined;
    }
    const seq = loaded.journal.at(-1)?.seq ?? loaded.snapshot?.seq ?? 0;
    const run = new LiveRun(record, definition, actor, snapshot, seq);
    this.#bind(run);
    this.#live.set(runId, run);
    actor.start();
    this.#markDirty(run);
    for (const signal of await this.#store.pendingSignals(runId)) {
      let event: AnyEventObject;
      try {
        event = JSON.parse(signal.event);
      } catch {
        run.delivered.push(signal.id);
        continue;
      }
      this.#deliver(run, signal.id, event);
    }
    return run;
  }

  #definitionFor(record: RunRecord, snapshot: any): Definition | Error {
    const versions = this.#byName.get(record.workflow);
    if (!versions) {
      return new IncompatibleVersionError(`Run ${record.runId} is a run of workflow "${record.workflow}", which this engine does not have; register it to resume the run`, {
        missing: [record.workflow],
      });
    }
    const same = versions.find((d) => d.hash === record.hash);
    if (same) return same;
    const latest = versions.at(-1)!;
    let result;
    try {
      result = compatibility(latest.machine, snapshot);
    } catch (e) {
      return new LogicError(`Run ${record.runId} cannot be restored: its stored state is unreadable`, { code: "corrupt_run", cause: e });
    }
    if (result.compatible) {
      this.#log({ level: "info", message: `Run continues under version ${latest.version} of ${record.workflow} (started under ${record.version})`, runId: record.runId, path: record.workflow });
      return latest;
    }
    return new IncompatibleVersionError(
      `Run ${record.runId} of "${record.workflow}" (version ${record.version}) cannot continue under version ${latest.version}: it is in states that no longer exist: ${result.missing.join(", ")}. Register the old version with the engine to let it finish`,
      { missing: result.missing },
    );
  }

  #deliver(run: LiveRun, signalId: number, event: AnyEventObject): void {
    try {
      if (event.type === CANCEL_EVENT) run.actor.send(event);
      else if (!deliver(run.actor, event).delivered) {
        this.#log({ level: "warn", message: `Signal ${event.type} ignored: the run no longer waits for it`, runId: run.record.runId, path: run.record.workflow });
      }
    } catch (e) {
      this.#log({ level: "warn", message: `Signal ${event.type} refused: ${(e as Error).message}`, runId: run.record.runId, path: run.record.workflow });
    }
    run.delivered.push(signalId);
    this.#markDirty(run);
  }

  // ---- committing changes

  #markDirty(run: LiveRun): void {
    if (run.gone) return;
    this.#dirty.add(run);
    if (!this.#pending) {
      this.#pending = deferred();
      setImmediate(() => void this.#flush());
    }
  }

  /** Captures the changes of every dirty run and commits them in one batch (group commit). */
  async #flush(): Promise<void> {
    const done = this.#pending!;
    this.#pending = undefined;
    const runs = [...this.#dirty];
    this.#dirty.clear();
    const batch = emptyBatch();
    const after: (() => void)[] = [];
    const now = this.#clock.now();
    for (const run of runs) this.#capture(run, batch, now, after);
    const empty = batch.journal.length + batch.snapshots.length + batch.runs.length + batch.delivered.length === 0;
    const commit = this.#commits.then(() => (empty ? undefined : this.#store.commit(batch)));
    this.#commits = commit.catch(() => undefined);
    try {
      await commit;
    } catch (e) {
      this.#log({ level: "error", message: "Committing run changes failed; the runs go on from their last committed state", runId: "-", path: "-", fields: { error: String(e) } });
      for (const run of runs) this.#drop(run);
      after.length = 0;
      // Reload them from what was committed once the store may have recovered.
      const ids = runs.map((r) => r.record.runId);
      this.#clock.setTimeout(() => void Promise.all(ids.map((id) => this.#load(id))).catch(() => undefined), 1000);
    }
    done.resolve();
    for (const fn of after) fn();
  }

  /** Adds a run's changes since the last commit to `batch`. */
  #capture(run: LiveRun, batch: Batch, now: number, after: (() => void)[]): void {
    if (run.gone) return;
    const snapshot = persistedOf(run.actor);
    let ops: Op[];
    let opsJson: string;
    try {
      ops = diff(run.last, snapshot);
      opsJson = ops.length > 0 ? JSON.stringify(ops) : "";
    } catch (e) {
      const error = new LogicError(`Run ${run.record.runId} holds a value JSON cannot store (a step returned something that is not JSON data)`, {
        code: "state_not_serializable",
        cause: e,
      });
      batch.runs.push({ runId: run.record.runId, status: "failed", output: null, error: JSON.stringify(errorToJSON(error)), waitingFor: "[]", wakeAt: null, seq: run.seq, updatedAt: now });
      after.push(() => {
        this.#drop(run);
        this.#settle(run.record.runId, undefined, error);
      });
      return;
    }
    if (ops.length > 0) {
      run.seq++;
      run.sinceSnapshot++;
      batch.journal.push({ runId: run.record.runId, seq: run.seq, at: now, ops: opsJson });
      run.last = snapshot;
    }
    const status = statusOf(run.actor);
    const final = FINAL_STATUSES.includes(status);
    const idle = status === "waiting" || status === "escalated";
    if (ops.length > 0 && (final || idle || run.sinceSnapshot >= this.#snapshotEvery)) {
      batch.snapshots.push({ runId: run.record.runId, seq: run.seq, data: JSON.stringify(snapshot) });
      run.sinceSnapshot = 0;
    }
    // What a run waits for matters only once it stops running.
    const waiting = final || status === "running" ? "[]" : JSON.stringify(waitingFor(run.actor));
    const wakeAt = final || status === "running" ? null : wakeAtOf(run.actor);
    let output: string | null = null;
    let error: string | null = null;
    let outcome: ReturnType<typeof outcomeOf> | undefined;
    if (final) {
      outcome = outcomeOf(run.actor.getSnapshot() as any, run.record.workflow);
      if (outcome.status === "done") output = JSON.stringify(outcome.output === undefined ? null : outcome.output);
      else error = JSON.stringify(errorToJSON(outcome.error));
    }
    if (final || status !== run.status || waiting !== run.waitingFor || wakeAt !== run.wakeAt) {
      batch.runs.push({ runId: run.record.runId, status, output, error, waitingFor: waiting, wakeAt, seq: run.seq, updatedAt: now });
      run.status = status;
      run.waitingFor = waiting;
      run.wakeAt = wakeAt;
    }
    batch.delivered.push(...run.delivered);
    run.delivered = [];
    if (final) {
      after.push(() => {
        this.#drop(run);
        if (outcome!.status === "done") this.#settle(run.record.runId, outcome!.output);
        else this.#settle(run.record.runId, undefined, outcome!.error);
      });
    } else if (idle && (wakeAt === null || wakeAt - this.#clock.now() > this.#keepIdleMs)) {
      after.push(() => {
        if (!this.#dirty.has(run) && statusOf(run.actor) === status) {
          this.#drop(run);
          this.#scheduleWake(wakeAt);
        }
      });
    }
  }

  /** Takes a run out of memory (its state stays in the store). */
  #drop(run: LiveRun): void {
    if (run.gone) return;
    run.gone = true;
    this.#dirty.delete(run);
    this.#live.delete(run.record.runId);
    run.actor.stop();
  }

  #settle(runId: string, output: unknown, error?: unknown): void {
    const waiters = this.#waiters.get(runId);
    if (!waiters) return;
    this.#waiters.delete(runId);
    for (const w of waiters) (error === undefined ? w.resolve(output) : w.reject(error));
  }

  async #failStored(record: RunRecord, error: Error): Promise<void> {
    this.#log({ level: "error", message: error.message, runId: record.runId, path: record.workflow });
    const now = this.#clock.now();
    await this.#store.commit({
      ...emptyBatch(),
      runs: [{ runId: record.runId, status: "failed", output: null, error: JSON.stringify(errorToJSON(error)), waitingFor: "[]", wakeAt: null, seq: record.seq, updatedAt: now }],
    });
    this.#settle(record.runId, undefined, error);
  }

  // ---- waking and resuming

  #scheduleWake(at: number | null): void {
    if (at === null || this.#closed) return;
    if (this.#wakeAt !== null && this.#wakeAt <= at) return;
    if (this.#wakeTimer !== undefined) this.#clock.clearTimeout(this.#wakeTimer);
    this.#wakeAt = at;
    this.#wakeTimer = this.#clock.setTimeout(() => {
      this.#wakeTimer = undefined;
      this.#wakeAt = null;
      void this.#wakeDue();
    }, Math.max(0, at - this.#clock.now()));
  }

  async #wakeDue(): Promise<void> {
    if (this.#closed) return;
    try {
      for (;;) {
        const due = await this.#store.dueRuns(this.#clock.now(), 100);
        const fresh = due.filter((id) => !this.#live.has(id) && !this.#loading.has(id));
        await Promise.all(fresh.map((id) => this.#load(id)));
        if (fresh.length < 100) break;
      }
      // Every run due by now is in memory (its own timers fire there): look strictly ahead.
      this.#scheduleWake(await this.#store.nextWakeAt(this.#clock.now()));
    } catch (e) {
      this.#log({ level: "error", message: "Waking due runs failed", runId: "-", path: "-", fields: { error: String(e) } });
    }
  }

  async #resume(): Promise<void> {
    await this.#store.migrate();
    const unfinished = await this.#store.listRuns({ status: ["running"], limit: Number.MAX_SAFE_INTEGER });
    await Promise.all(unfinished.map((r) => this.#load(r.runId)));
    const signalled = new Set((await this.#store.pendingSignals()).map((s) => s.runId));
    await Promise.all([...signalled].map((id) => this.#load(id)));
    await this.#wakeDue(); // timers that fell due while no engine ran fire now
  }

  #existing(record: RunRecord, workflow: string, status: RunStatus = record.status) {
    if (record.workflow !== workflow) {
      throw new ValidationError(`Run id ${record.runId} is taken by a run of "${record.workflow}"; choose another run id`, { code: "run_id_taken" });
    }
    return { runId: record.runId, created: false, status };
  }

  #unknownRun(runId: string): ValidationError {
    return new ValidationError(`No run with id ${runId} exists in this engine's store`, { code: "unknown_run", details: { runId } });
  }

  #assertOpen(): void {
    if (this.#closed) throw new LogicError("The engine is closed; create a new one", { code: "engine_closed" });
  }
}

/** The states a stored snapshot is in that the machine does not have (garbage in the store). */
function statesMissing(machine: CompiledMachine, snapshot: any): string[] {
  try {
    return compatibility(machine, snapshot).missing;
  } catch (e) {
    return [`unreadable: ${(e as Error).message}`];
  }
}

/** The persisted snapshot of a run from its stored snapshot and the journal after it. */
function rebuild(snapshotData: string | undefined, journal: readonly { ops: string }[]): unknown {
  if (snapshotData === undefined) throw new Error("no snapshot");
  let doc = JSON.parse(snapshotData) as unknown;
  for (const entry of journal) doc = apply(doc, JSON.parse(entry.ops) as Op[]);
  return doc;
}

function settled(record: RunRecord): unknown {
  if (record.status === "done") return record.output === null ? null : JSON.parse(record.output);
  throw errorFromJSON(JSON.parse(record.error ?? '{"name":"LogicError","message":"unknown error","category":"logic"}'));
}

function view(record: RunRecord): RunView {
  const base: RunView = {
    runId: record.runId,
    workflow: record.workflow,
    version: record.version,
    status: record.status,
    waitingFor: JSON.parse(record.waitingFor) as string[],
    wakeAt: record.wakeAt,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
  if (record.output !== null) base.output = JSON.parse(record.output);
  if (record.error !== null) base.error = errorFromJSON(JSON.parse(record.error));
  return base;
}

/**
 * A durable engine: runs survive crashes and restarts, idle runs leave memory,
 * and a new engine on the same store resumes every unfinished run.
 * @example
 * const engine = createEngine({ workflows: [ingestion], store: sqliteStore("stepchart.db") });
 * const { runId } = await engine.start("DocumentIngestion", { path: "invoice.txt" });
 * console.log(await engine.result(runId));
 */
export function createEngine(options: EngineOptions): Engine {
  if (!options || !Array.isArray(options.workflows)) {
    throw new ValidationError("Expected createEngine({ workflows: [...] }) with an array of workflows", { code: "invalid_engine_options" });
  }
  return new DurableEngine(options);
}
