// Cron schedules: a workflow started at every slot of a cron pattern. The
// schedule lives in the store, so it survives restarts, and every engine on
// the store may look after it: each slot's run id is derived from the schedule
// and the slot (`nightly@2026-11-25T03:00:00.000Z`), and the cursor moves by
// compare-and-set, so a slot starts at most once however many engines race
// for it. A slot is claimed (written to `starting`) before its run starts and
// released after, so a crash in between starts it on the next look.
// Cron slots come from croner (time zones, DST); time from the engine's clock.
import { Cron } from "croner";
import type { Clock } from "../clock.js";
import { assertPayload } from "../compile/json-data.js";
import type { LogEntry } from "../compile/services.js";
import { ValidationError } from "../errors.js";
import type { ScheduleCatchup, ScheduleOverlap, ScheduleRecord, Store } from "../store/store.js";

export interface ScheduleOptions {
  /** A cron pattern: 5 fields (minute precision), or 6 with seconds first. */
  cron: string;
  /** The IANA time zone the pattern is read in. @default "UTC" */
  timezone?: string;
  /** The input of every run (JSON data). @default null */
  input?: unknown;
  /**
   * When a slot comes while the previous run of the schedule has not ended:
   * `skip` it, `buffer` it (it starts when the previous run ends, in slot
   * order), or `allow` both to run at once. @default "skip"
   */
  overlap?: ScheduleOverlap;
  /**
   * Slots missed while no engine ran: `none` drops them, `latest` starts the
   * most recent one, `all` starts every one in order (at most 1000). @default "latest"
   */
  catchup?: ScheduleCatchup;
}

/** A schedule as `engine.schedules()` shows it. */
export interface ScheduleView {
  name: string;
  workflow: string;
  cron: string;
  timezone: string;
  input: unknown;
  overlap: ScheduleOverlap;
  catchup: ScheduleCatchup;
  /** The next slot, ms since the epoch. */
  nextAt: number;
  /** The run the latest started slot made. */
  lastRunId: string | null;
  /** Slots waiting for the previous run to end. */
  buffered: number[];
}

/** What the scheduler needs from the engine. */
export interface SchedulerHost {
  store: Store;
  clock: Clock;
  log(entry: LogEntry): void;
  hasWorkflow(name: string): boolean;
  /** Starts a run (idempotent by run id). */
  start(workflow: string, input: unknown, runId: string): Promise<unknown>;
  /** Resolves when the run ends in this process (or is found ended). */
  whenEnded(runId: string): Promise<void>;
  /** True when the run has ended or does not exist. */
  hasEnded(runId: string): Promise<boolean>;
}

/** A slot counts as on time (for catchup "none") this long after it. */
const ON_TIME_MS = 60_000;
/** The most missed slots started by catchup "all". */
const MAX_CATCHUP = 1000;
/** Look at the store at least this often, for schedules other engines add. */
const RECHECK_MS = 60 * 60_000;
const MAX_ATTEMPTS = 5;

/** The run id of a schedule's slot. */
export function slotRunId(name: string, slot: number): string {
  return `${name}@${new Date(slot).toISOString()}`;
}

function cronOf(pattern: string, timezone: string): Cron {
  let cron: Cron;
  try {
    cron = new Cron(pattern, { timezone, paused: true });
    cron.nextRun(new Date(0)); // an unknown time zone fails here
  } catch (e) {
    throw new ValidationError(`Expected a cron pattern and an IANA time zone, got "${pattern}" in "${timezone}": ${(e as Error).message}`, {
      code: "invalid_schedule",
      cause: e,
    });
  }
  return cron;
}

function nextSlot(cron: Cron, after: number): number {
  const next = cron.nextRun(new Date(after));
  return next ? next.getTime() : Number.MAX_SAFE_INTEGER;
}

function view(record: ScheduleRecord): ScheduleView {
  return {
    name: record.name,
    workflow: record.workflow,
    cron: record.cron,
    timezone: record.timezone,
    input: JSON.parse(record.input),
    overlap: record.overlap,
    catchup: record.catchup,
    nextAt: record.nextAt,
    lastRunId: record.lastRunId,
    buffered: JSON.parse(record.buffered) as number[],
  };
}

export class Scheduler {
  readonly #host: SchedulerHost;
  #timer: unknown;
  #timerAt: number | null = null;
  #closed = false;
  /** Schedules whose previous run this process already watches. */
  readonly #watching = new Set<string>();

  constructor(host: SchedulerHost) {
    this.#host = host;
  }

  /** Creates or changes a schedule; the same definition again keeps its cursor. */
  async define(name: string, workflow: string, options: ScheduleOptions): Promise<ScheduleView> {
    if (typeof name !== "string" || !/^[\w.:-]{1,100}$/.test(name)) {
      throw new ValidationError(`Expected a schedule name of 1 to 100 letters, digits, "_", "-", "." or ":", got ${JSON.stringify(name)}`, {
        code: "invalid_schedule",
      });
    }
    if (!this.#host.hasWorkflow(workflow)) {
      throw new ValidationError(`Schedule "${name}" names workflow "${workflow}", which this engine does not have`, { code: "unknown_workflow" });
    }
    const { cron, timezone = "UTC", input = null, overlap = "skip", catchup = "latest" } = options ?? ({} as ScheduleOptions);
    if (!["skip", "buffer", "allow"].includes(overlap)) {
      throw new ValidationError(`Expected overlap "skip", "buffer" or "allow", got ${JSON.stringify(overlap)}`, { code: "invalid_schedule" });
    }
    if (!["none", "latest", "all"].includes(catchup)) {
      throw new ValidationError(`Expected catchup "none", "latest" or "all", got ${JSON.stringify(catchup)}`, { code: "invalid_schedule" });
    }
    if (typeof cron !== "string") throw new ValidationError(`Expected schedule "${name}" to have a cron pattern`, { code: "invalid_schedule" });
    const parsed = cronOf(cron, timezone);
    assertPayload(input, `the input of schedule "${name}"`, "not_json");
    const inputJson = JSON.stringify(input);
    const now = this.#host.clock.now();
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const stored = await this.#host.store.getSchedule(name);
      const same =
        stored &&
        stored.workflow === workflow &&
        stored.cron === cron &&
        stored.timezone === timezone &&
        stored.input === inputJson &&
        stored.overlap === overlap &&
        stored.catchup === catchup;
      if (same) {
        this.#arm(stored.nextAt);
        return view(stored);
      }
      const record: ScheduleRecord = {
        name,
        workflow,
        cron,
        timezone,
        input: inputJson,
        overlap,
        catchup,
        nextAt: nextSlot(parsed, now),
        lastRunId: stored?.lastRunId ?? null,
        buffered: "[]",
        starting: stored?.starting ?? "[]",
        rev: (stored?.rev ?? 0) + 1,
        createdAt: stored?.createdAt ?? now,
        updatedAt: now,
      };
      if (await this.#host.store.saveSchedule(record, stored?.rev)) {
        this.#arm(record.nextAt);
        return view(record);
      }
    }
    throw new ValidationError(`Schedule "${name}" is being changed by someone else; try again`, { code: "schedule_conflict" });
  }

  async remove(name: string): Promise<boolean> {
    return this.#host.store.deleteSchedule(name);
  }

  async list(): Promise<ScheduleView[]> {
    return (await this.#host.store.listSchedules()).map(view);
  }

  /** Starts every slot that has come, for every schedule, then waits for the next one. */
  async tick(): Promise<void> {
    if (this.#closed) return;
    let earliest = Number.MAX_SAFE_INTEGER;
    for (const schedule of await this.#host.store.listSchedules()) {
      try {
        const after = await this.#advance(schedule.name);
        if (after) earliest = Math.min(earliest, after.nextAt);
      } catch (e) {
        this.#host.log({ level: "error", message: `Schedule ${schedule.name} could not start its slot: ${(e as Error).message}`, runId: "-", path: schedule.name });
      }
    }
    this.#arm(earliest);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#host.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(at: number): void {
    if (this.#closed) return;
    const now = this.#host.clock.now();
    const target = Math.min(at, now + RECHECK_MS);
    if (this.#timer !== undefined && this.#timerAt !== null && this.#timerAt <= target) return;
    if (this.#timer !== undefined) this.#host.clock.clearTimeout(this.#timer);
    this.#timerAt = target;
    this.#timer = this.#host.clock.setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = null;
      void this.tick();
    }, Math.max(0, target - now));
  }

  /** Handles the slots of one schedule that have come; the record as left. */
  async #advance(name: string): Promise<ScheduleRecord | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const stored = await this.#host.store.getSchedule(name);
      if (!stored) return undefined;
      const claimed = await this.#claim(stored);
      if (claimed === "lost") continue;
      const record = claimed ?? stored;
      const starting = JSON.parse(record.starting) as number[];
      if (starting.length > 0) {
        for (const slot of starting) await this.#host.start(record.workflow, JSON.parse(record.input), slotRunId(name, slot));
        const released = { ...record, starting: "[]", rev: record.rev + 1, updatedAt: this.#host.clock.now() };
        // Losing here is harmless: whoever moved the record has seen `starting` and starts the same runs.
        if (await this.#host.store.saveSchedule(released, record.rev)) this.#watch(released);
        return released;
      }
      this.#watch(record);
      return record;
    }
    return undefined;
  }

  /** Moves the cursor past the slots that have come and claims the ones to start; undefined when nothing changes. */
  async #claim(stored: ScheduleRecord): Promise<ScheduleRecord | "lost" | undefined> {
    const now = this.#host.clock.now();
    const cron = cronOf(stored.cron, stored.timezone);
    const due = stored.nextAt <= now ? this.#dueSlots(cron, stored, now) : [];
    const buffered = JSON.parse(stored.buffered) as number[];
    const starting = JSON.parse(stored.starting) as number[];
    let lastRunId = stored.lastRunId;
    let busy = starting.length > 0 || (lastRunId !== null && !(await this.#host.hasEnded(lastRunId)));
    const start = (slot: number) => {
      starting.push(slot);
      lastRunId = slotRunId(stored.name, slot);
      busy = true;
    };
    if (!busy && buffered.length > 0) start(buffered.shift()!);
    for (const slot of due) {
      if (stored.overlap === "allow" || !busy) start(slot);
      else if (stored.overlap === "buffer") buffered.push(slot);
      else this.#host.log({ level: "info", message: `Schedule ${stored.name} skipped the slot ${new Date(slot).toISOString()}: run ${lastRunId} has not ended`, runId: lastRunId ?? "-", path: stored.name });
    }
    const nextAt = stored.nextAt <= now ? nextSlot(cron, now) : stored.nextAt;
    const unchanged = nextAt === stored.nextAt && starting.length === 0 && JSON.stringify(buffered) === stored.buffered;
    if (unchanged) return undefined;
    const record: ScheduleRecord = {
      ...stored,
      nextAt,
      lastRunId,
      buffered: JSON.stringify(buffered),
      starting: JSON.stringify(starting),
      rev: stored.rev + 1,
      updatedAt: now,
    };
    return (await this.#host.store.saveSchedule(record, stored.rev)) ? record : "lost";
  }

  /** The slots from the cursor up to now that the catchup policy starts, oldest first. */
  #dueSlots(cron: Cron, stored: ScheduleRecord, now: number): number[] {
    const slots = cron
      .previousRuns(MAX_CATCHUP, new Date(now + 1))
      .map((d) => d.getTime())
      .filter((t) => t >= stored.nextAt)
      .reverse();
    if (slots.length === 0) return [];
    const latest = slots.at(-1)!;
    if (stored.catchup === "all") return slots;
    if (stored.catchup === "latest") return [latest];
    return now - latest <= ON_TIME_MS ? [latest] : [];
  }

  /** Once the schedule's previous run ends, a buffered slot may start. */
  #watch(record: ScheduleRecord): void {
    if (record.overlap !== "buffer" || record.buffered === "[]" || record.lastRunId === null || this.#watching.has(record.name)) return;
    this.#watching.add(record.name);
    void this.#host
      .whenEnded(record.lastRunId)
      .then(() => {
        this.#watching.delete(record.name);
        return this.#closed ? undefined : this.#advance(record.name);
      })
      .catch((e) => this.#host.log({ level: "error", message: `Schedule ${record.name}: ${(e as Error).message}`, runId: "-", path: record.name }));
  }
}
