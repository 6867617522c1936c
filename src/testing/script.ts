// A script for a simulated run: what each step does on each call, what each
// choose and route decides, which waits get an answer, how each
// compensation ends. Keys are display paths or their last segments
// ("ClassifyDocument" matches "DocumentIngestion.ClassifyDocument"); each key
// holds a queue, read one entry per call, the last entry repeating.
import type { ErrorCategory } from "../errors.js";
import { CATEGORIES } from "./categories.js";

/** What a step does when it is called: succeed (with its input, or a value), fail with a category, or never settle. */
export type StepOutcome =
  | "ok"
  | { ok: unknown }
  | ErrorCategory
  | { fail: ErrorCategory; message?: string; code?: string }
  | `${ErrorCategory}-then-ok`
  | "hang";

/** A normalized outcome. */
export type Scripted = { ok: true; value?: { v: unknown } } | { ok: false; category: ErrorCategory; message?: string; code?: string } | { hang: true };

/** A choose's case (label or index), "otherwise" or "none" (no case matches); a route's name, or null for a name it does not know. */
export type Decision = string | number | null | { fail: ErrorCategory };

/** A wait's answer: the payload to send (true: a sample that fits the wait's schema), or "timeout". */
export type Answer = Record<string, unknown> | true | "timeout";

export type CompensationOutcome = "ok" | "fail";

export type Operator = "retry" | "skip" | "abort";

export function normalizeOutcome(outcome: StepOutcome): Scripted[] {
  if (outcome === "ok") return [{ ok: true }];
  if (outcome === "hang") return [{ hang: true }];
  if (typeof outcome === "string") {
    if ((CATEGORIES as readonly string[]).includes(outcome)) return [{ ok: false, category: outcome as ErrorCategory }];
    const [category] = outcome.split("-then-");
    if ((CATEGORIES as readonly string[]).includes(category!)) return [{ ok: false, category: category as ErrorCategory }, { ok: true }];
    throw new TypeError(`Expected a step outcome ("ok", a category, "<category>-then-ok", "hang", { ok }, { fail }), got ${JSON.stringify(outcome)}`);
  }
  if ("fail" in outcome) return [{ ok: false, category: outcome.fail, ...(outcome.message ? { message: outcome.message } : {}), ...(outcome.code ? { code: outcome.code } : {}) }];
  return [{ ok: true, value: { v: outcome.ok } }];
}

/** Queues by key, matched against display paths. */
export class Queues<TEntry> {
  readonly #queues = new Map<string, TEntry[]>();
  readonly #read = new Map<string, number>();

  push(key: string, entry: TEntry): void {
    const queue = this.#queues.get(key);
    if (queue) queue.push(entry);
    else this.#queues.set(key, [entry]);
  }

  set(key: string, entries: TEntry[]): void {
    this.#queues.set(key, entries);
  }

  /** The key that names `path`: the path itself, or the longest key that is a suffix of it at a segment boundary. */
  keyOf(path: string): string | undefined {
    if (this.#queues.has(path)) return path;
    let best: string | undefined;
    for (const key of this.#queues.keys()) {
      if (path.endsWith(`.${key}`) && (best === undefined || key.length > best.length)) best = key;
    }
    return best;
  }

  /** The next entry for `path`; `repeat`: the last one repeats when the queue is used up. */
  next(path: string, repeat: boolean): TEntry | undefined {
    const key = this.keyOf(path);
    if (key === undefined) return undefined;
    const queue = this.#queues.get(key)!;
    const read = this.#read.get(key) ?? 0;
    this.#read.set(key, read + 1);
    if (read < queue.length) return queue[read];
    return repeat ? queue[queue.length - 1] : undefined;
  }

  has(path: string): boolean {
    return this.keyOf(path) !== undefined;
  }
}

/** Everything a simulated run is told. */
export interface Script {
  readonly steps: Queues<Scripted>;
  readonly decisions: Queues<Decision>;
  readonly answers: Queues<Answer>;
  readonly compensations: Queues<CompensationOutcome>;
  readonly operators: Queues<Operator>;
  /** What an unscripted step does: run its real function, succeed with its input, or never settle. */
  readonly unscripted: "real" | "ok" | "hang";
  /** Whether a used-up queue repeats its last entry (user scripts) or counts as unscripted (path replays). */
  readonly repeat: boolean;
}

export function emptyScript(unscripted: Script["unscripted"], repeat: boolean): Script {
  return { steps: new Queues(), decisions: new Queues(), answers: new Queues(), compensations: new Queues(), operators: new Queues(), unscripted, repeat };
}
