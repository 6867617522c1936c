// The worker side of an engine on a shared store: it keeps the worker's lease
// alive (a heartbeat every third of the lease), takes runs that have work and
// that nobody holds (claimed with the store's skip-locked claim, woken by the
// store's notices and by a poll for what notices cannot tell: lapsed leases,
// due timers), and takes back the runs it still holds but lost from memory
// (a failed commit or load, a lapsed lease). It never touches a run's state:
// the engine loads, runs and drops runs; this decides which and when.
import type { Clock } from "../clock.js";
import type { LogEntry } from "../compile/services.js";
import type { Lease, Notice, Store } from "../store/store.js";

/** What the worker needs from the engine. */
export interface WorkerHost {
  store: Store;
  clock: Clock;
  log(entry: LogEntry): void;
  workerId: string;
  leaseMs: number;
  pollMs: number;
  /** How many more runs this worker may take now. */
  capacity(): number;
  /** Loads a run this worker has just claimed. */
  take(lease: Lease): Promise<unknown>;
  /** Claims (its own) and loads a run; false when the run has ended or another worker holds it now. */
  adopt(runId: string): Promise<boolean>;
  isLive(runId: string): boolean;
  /** Delivers the run's pending signals it has not delivered yet. */
  deliverPending(runId: string): Promise<void>;
  /** Takes every run out of memory (the lease lapsed: other workers may hold them); returns their ids. */
  dropAll(): string[];
  /** Settles the callers waiting for the results of runs that ended in other workers. */
  settleEnded(runIds?: string[]): Promise<void>;
}

function errorEntry(message: string, e: unknown): LogEntry {
  return { level: "error", message, runId: "-", path: "-", fields: { error: String(e) } };
}

export class Worker {
  readonly #host: WorkerHost;
  /** Runs this worker holds in the store but not in memory; taken back on the next poll. */
  readonly #orphans = new Set<string>();
  #heartbeatTimer: unknown;
  #pollTimer: unknown;
  #polling: Promise<void> | undefined;
  #again = false;
  #unlisten: (() => Promise<void>) | undefined;
  #closed = false;

  constructor(host: WorkerHost) {
    this.#host = host;
  }

  async start(): Promise<void> {
    const { store, clock, workerId, leaseMs } = this.#host;
    await store.heartbeat(workerId, clock.now(), clock.now() + leaseMs);
    this.#unlisten = await store.listen((notice) => this.#onNotice(notice));
    this.#scheduleHeartbeat();
    await this.poll();
  }

  /** A run this worker holds but could not keep in memory: take it back on the next poll. */
  orphan(runId: string): void {
    this.#orphans.add(runId);
    this.#schedulePoll(this.#host.pollMs);
  }

  /** Looks for work now (coalesced: one poll at a time, one more if asked meanwhile). */
  poll(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    if (this.#polling) {
      this.#again = true;
      return this.#polling;
    }
    this.#polling = (async () => {
      do {
        this.#again = false;
        await this.#pollOnce();
      } while (this.#again && !this.#closed);
    })().finally(() => {
      this.#polling = undefined;
      this.#schedulePoll(this.#host.pollMs);
    });
    return this.#polling;
  }

  async #pollOnce(): Promise<void> {
    const host = this.#host;
    try {
      for (const runId of [...this.#orphans]) {
        if (host.capacity() <= 0) break;
        // Taken back, ended, or held by another worker now: either way no longer ours to look after.
        if (host.isLive(runId) || (await host.adopt(runId).then(() => true, () => false))) this.#orphans.delete(runId);
      }
      for (;;) {
        const room = Math.min(host.capacity(), 100);
        if (room <= 0 || this.#closed) break;
        const leases = await host.store.claimRuns(host.workerId, host.clock.now(), room);
        await Promise.all(leases.map((lease) => host.take(lease)));
        if (leases.length < room) break;
      }
      await host.settleEnded();
    } catch (e) {
      host.log(errorEntry("Looking for work failed; the worker looks again shortly", e));
    }
  }

  #onNotice(notice: Notice): void {
    if (this.#closed) return;
    const host = this.#host;
    switch (notice.kind) {
      case "signal":
        if (host.isLive(notice.runId)) void host.deliverPending(notice.runId).catch((e) => host.log(errorEntry("Delivering a signal failed", e)));
        else void this.poll();
        return;
      case "run":
        void this.poll();
        return;
      case "ended":
        void host.settleEnded([notice.runId]).catch(() => undefined);
        return;
      case "reconnected":
        void this.poll();
        return;
    }
  }

  #schedulePoll(delayMs: number): void {
    if (this.#closed) return;
    const { clock } = this.#host;
    if (this.#pollTimer !== undefined) clock.clearTimeout(this.#pollTimer);
    this.#pollTimer = clock.setTimeout(() => {
      this.#pollTimer = undefined;
      void this.poll();
    }, delayMs);
  }

  #scheduleHeartbeat(): void {
    if (this.#closed) return;
    const { clock, leaseMs } = this.#host;
    this.#heartbeatTimer = clock.setTimeout(() => void this.#beat(), Math.max(1, Math.floor(leaseMs / 3)));
  }

  async #beat(): Promise<void> {
    const { store, clock, workerId, leaseMs } = this.#host;
    try {
      const continuous = await store.heartbeat(workerId, clock.now(), clock.now() + leaseMs);
      if (!continuous && !this.#closed) {
        const dropped = this.#host.dropAll();
        this.#host.log({
          level: "warn",
          message: `This worker's lease lapsed (it was paused or cut off for over ${leaseMs}ms): it dropped its ${dropped.length} runs and takes back those no other worker took`,
          runId: "-",
          path: "-",
        });
        for (const runId of dropped) this.#orphans.add(runId);
        void this.poll();
      }
    } catch (e) {
      this.#host.log(errorEntry("Renewing this worker's lease failed; it tries again", e));
    }
    this.#scheduleHeartbeat();
  }

  async close(): Promise<void> {
    this.#closed = true;
    const { clock } = this.#host;
    if (this.#heartbeatTimer !== undefined) clock.clearTimeout(this.#heartbeatTimer);
    if (this.#pollTimer !== undefined) clock.clearTimeout(this.#pollTimer);
    await this.#polling;
    await this.#unlisten?.().catch(() => undefined);
  }

  /** Frees every run of this worker at once, for the other workers (after the engine has stopped them). */
  async retire(): Promise<void> {
    await this.#host.store.retire(this.#host.workerId).catch((e) => this.#host.log(errorEntry("Retiring this worker failed; its runs are free once its lease lapses", e)));
  }
}
