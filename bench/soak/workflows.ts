// The soak's workflows: every pattern mixed, with failures of every category
// decided by a hash of (run, step path, attempt), so a run that is killed and
// resumed meets the same failures as an uninterrupted one.
import { appendFileSync } from "node:fs";
import {
  choose,
  compensate,
  DependencyError,
  LogicError,
  map,
  parallel,
  ResourceError,
  retry,
  route,
  saga,
  sequence,
  sleep,
  step,
  TransientError,
  ValidationError,
  waitFor,
  workflow,
  type Flow,
  type StepContext,
} from "stepchart";

function fraction(seed: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 2 ** 32;
}

const FAILURES = [
  (m: string) => new TransientError(m),
  (m: string) => new DependencyError(m),
  (m: string) => new ResourceError(m, { retryAfterMs: 1 }),
  (m: string) => new ValidationError(m),
  (m: string) => new LogicError(m),
];

/** A step that sometimes fails (in about `rate` of its attempts) with a category chosen by the hash. */
function chancy(name: string, fn: (x: number) => number, rate: number, log: string | undefined) {
  return step(name, async (x: number, ctx: StepContext) => {
    if (log) appendFileSync(log, `${ctx.runId} ${ctx.idempotencyKey}\n`);
    await new Promise((resolve) => setTimeout(resolve, 1));
    const f = fraction(ctx.idempotencyKey);
    if (f < rate) throw FAILURES[Math.floor((f / rate) * FAILURES.length)]!(`planned failure of ${ctx.path}`);
    return fn(x);
  });
}

export function soakWorkflows(log?: string): Flow[] {
  const s = (name: string, fn: (x: number) => number, rate = 0.08) => chancy(name, fn, rate, log);
  return [
    workflow("Chain", sequence("Chain", [s("a", (x) => x + 1), retry(s("b", (x) => x * 2, 0.3), { initialDelay: 5, maxRetries: 3 }), s("c", (x) => x - 3)])),
    workflow(
      "Fan",
      parallel(
        "Fan",
        { p: s("p", (x) => x + 10), q: retry(s("q", (x) => x + 20, 0.25), { initialDelay: 3 }), r: sequence("r", [s("r1", (x) => x + 1), sleep("pause", "20ms"), s("r2", (x) => x * 3)]) },
        { maxConcurrency: 2, combine: (r) => r.p + r.q + r.r },
      ),
    ),
    workflow("Items", map("Items", retry(s("item", (x) => x * x, 0.15), { initialDelay: 2 }), { items: (n: number) => Array.from({ length: 1 + (Math.abs(n) % 5) }, (_, i) => i + n), maxConcurrency: 2, combine: (r) => r.reduce((a, b) => a + b, 0) })),
    workflow(
      "Decide",
      sequence("Decide", [
        s("score", (x) => x % 7),
        choose("branch", [{ when: (x: number) => x > 3, then: s("high", (x) => x * 100) }], route("low", { routes: { even: s("even", (x) => x + 2), odd: s("odd", (x) => x + 1) }, choose: (x: number) => (Math.abs(x) % 2 === 0 ? "even" : "odd") })),
      ]),
    ),
    workflow(
      "Book",
      saga("Book", [
        compensate(s("reserve", (x) => x + 1), async () => undefined),
        compensate(s("hold", (x) => x + 2), async () => undefined),
        s("charge", (x) => x + 3, 0.3),
      ]),
    ),
    // Always answered: the timeout never wins (an answer racing a timeout would make the outcome depend on timing).
    workflow("Ask", sequence("Ask", [s("prepare", (x) => x + 1), waitFor("answer", "ANSWER", { timeout: "1h", merge: (x: number, p: { n: number }) => x + p.n }), s("finish", (x) => x * 2)])),
    // Never answered: the timeout always wins.
    workflow("Unanswered", sequence("Unanswered", [s("prepare", (x) => x + 1), waitFor("answer", "NEVER", { timeout: "30ms", onTimeout: s("noAnswer", (x) => -x) }), s("finish", (x) => x * 2)])),
  ];
}

export const WORKFLOW_NAMES = ["Chain", "Fan", "Items", "Decide", "Book", "Ask", "Unanswered"] as const;
