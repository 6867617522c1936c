// Steps that take simulated time and record when they started, ended or were
// withdrawn (their AbortSignal fired), for the WCP tests' assertions on order,
// overlap and withdrawal.
import { step, type StepContext } from "../../src/index.js";
import type { TestClock } from "../../src/testing/index.js";

export interface Span {
  /** The step's path (ctx.path). */
  path: string;
  start: number;
  end?: number;
  /** When its AbortSignal fired. */
  aborted?: number;
}

export class Timeline {
  readonly spans: Span[] = [];
  constructor(readonly clock: TestClock) {}

  /** A step that takes `ms` (a number, or computed from the input) of simulated time, then returns `result(input)`. */
  step<TInput, TOutput = TInput>(name: string, ms: number | ((input: TInput) => number), result?: (input: TInput) => TOutput) {
    return step(name, (input: TInput, ctx: StepContext) => this.work(input, ctx, typeof ms === "number" ? ms : ms(input), result));
  }

  work<TInput, TOutput>(input: TInput, ctx: StepContext, ms: number, result?: (input: TInput) => TOutput): Promise<TOutput> {
    const span: Span = { path: ctx.path, start: this.clock.now() };
    this.spans.push(span);
    return new Promise<TOutput>((resolve) => {
      const id = this.clock.setTimeout(() => {
        span.end = this.clock.now();
        resolve(result ? result(input) : (input as unknown as TOutput));
      }, ms);
      ctx.signal.addEventListener("abort", () => {
        this.clock.clearTimeout(id);
        span.aborted = this.clock.now();
      });
    });
  }

  /** The spans of the steps whose path ends with `name`. */
  of(name: string): Span[] {
    return this.spans.filter((s) => s.path === name || s.path.endsWith(`.${name}`));
  }

  /** `path start-end` or `path start-aborted@t`, in start order: a compact picture of the run. */
  get picture(): string[] {
    return this.spans.map((s) => `${s.path} ${s.start}-${s.end ?? (s.aborted !== undefined ? `aborted@${s.aborted}` : "running")}`);
  }
}
