// Random workflows of sequence, choose, route and steps, checked against a
// reference interpreter; and persist -> restore -> continue at any step checked
// against an uninterrupted run.
import fc from "fast-check";
import { createActor } from "xstate";
import { describe, expect, it } from "vitest";
import {
  choose,
  compile,
  map,
  parallel,
  DependencyError,
  LogicError,
  route,
  run,
  sequence,
  step,
  TransientError,
  ValidationError,
  workflow,
  type Flow,
} from "../../src/index.js";
import { flush } from "../support/gate.js";

type Spec =
  | { kind: "step"; op: "add" | "mul"; k: number; fail?: "transient" | "validation" | "dependency" | "logic"; failIf: number }
  | { kind: "sequence"; children: Spec[] }
  | { kind: "choose"; thresholds: number[]; cases: Spec[]; otherwise?: Spec }
  | { kind: "route"; modulo: number; routes: Spec[]; fallback: boolean }
  | { kind: "parallel"; branches: Spec[]; max?: number }
  | { kind: "map"; count: number; body: Spec; max?: number };

const specArb: fc.Arbitrary<Spec> = fc.letrec<{ spec: Spec }>((tie) => ({
  spec: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({
      kind: fc.constant("step" as const),
      op: fc.constantFrom("add" as const, "mul" as const),
      k: fc.integer({ min: -3, max: 3 }),
      fail: fc.option(fc.constantFrom("transient" as const, "validation" as const, "dependency" as const, "logic" as const), { nil: undefined, freq: 3 }),
      failIf: fc.integer({ min: 0, max: 2 }),
    }),
    fc.record({ kind: fc.constant("sequence" as const), children: fc.array(tie("spec"), { minLength: 1, maxLength: 4 }) }),
    fc.record({
      kind: fc.constant("choose" as const),
      thresholds: fc.array(fc.integer({ min: -10, max: 10 }), { minLength: 1, maxLength: 3 }),
      cases: fc.array(tie("spec"), { minLength: 3, maxLength: 3 }),
      otherwise: fc.option(tie("spec"), { nil: undefined }),
    }),
    fc.record({
      kind: fc.constant("route" as const),
      modulo: fc.integer({ min: 1, max: 4 }),
      routes: fc.array(tie("spec"), { minLength: 1, maxLength: 3 }),
      fallback: fc.boolean(),
    }),
    fc.record(
      { kind: fc.constant("parallel" as const), branches: fc.array(tie("spec"), { minLength: 1, maxLength: 3 }), max: fc.integer({ min: 1, max: 3 }) },
      { requiredKeys: ["kind", "branches"] },
    ),
    fc.record(
      { kind: fc.constant("map" as const), count: fc.integer({ min: 0, max: 3 }), body: tie("spec"), max: fc.integer({ min: 1, max: 2 }) },
      { requiredKeys: ["kind", "count", "body"] },
    ),
  ),
})).spec;

const errorOf = { transient: TransientError, validation: ValidationError, dependency: DependencyError, logic: LogicError };
const SEVERITY = ["validation", "logic", "resource", "dependency", "transient"];

/** Runs sub-flows that run concurrently: all settle; failures combine into one at `path`. */
function all(outs: Outcome[], path: string): Outcome {
  const failed = outs.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok);
  if (failed.length === 0) return { ok: true, value: outs.map((o) => (o as { value: number }).value).reduce((a, b) => a + b, 0) };
  return { ok: false, path, category: SEVERITY.find((c) => failed.some((f) => f.category === c))! };
}

type Outcome = { ok: true; value: number } | { ok: false; path: string; category: string };

/** The reference: what the workflow must do, computed directly. */
function evaluate(spec: Spec, name: string, path: string, x: number, trail: string[]): Outcome {
  switch (spec.kind) {
    case "step": {
      trail.push(path);
      if (spec.fail && Math.abs(x) % 3 === spec.failIf) return { ok: false, path, category: spec.fail };
      return { ok: true, value: (spec.op === "add" ? x + spec.k : x * spec.k) + 0 }; // + 0: JSON has no -0
    }
    case "sequence": {
      let value = x;
      for (const [i, child] of spec.children.entries()) {
        const out = evaluate(child, `n${i}`, `${path}.n${i}`, value, trail);
        if (!out.ok) return out;
        value = out.value;
      }
      return { ok: true, value };
    }
    case "choose": {
      const i = spec.thresholds.findIndex((t) => x > t);
      if (i >= 0) return evaluate(spec.cases[i]!, `c${i}`, `${path}.c${i}`, x, trail);
      if (spec.otherwise) return evaluate(spec.otherwise, "other", `${path}.other`, x, trail);
      return { ok: false, path, category: "logic" };
    }
    case "route": {
      const chosen = Math.abs(x) % spec.modulo;
      if (chosen < spec.routes.length) return evaluate(spec.routes[chosen]!, `r${chosen}`, `${path}.r${chosen}`, x, trail);
      if (spec.fallback) return evaluate(spec.routes[0]!, "r0", `${path}.r0`, x, trail);
      return { ok: false, path, category: "logic" };
    }
    case "parallel":
      return all(spec.branches.map((b, i) => evaluate(b, `p${i}`, `${path}.p${i}`, x, trail)), path);
    case "map":
      return all(Array.from({ length: spec.count }, (_, i) => evaluate(spec.body, "body", `${path}[${i}].body`, x + i, trail)), path);
  }
}

/** The same spec as a stepchart flow; every step reports its path to `trail`. */
function build(spec: Spec, name: string, trail: string[], hook: () => Promise<void> | void = () => undefined, completed: string[] = []): Flow {
  switch (spec.kind) {
    case "step":
      return step(name, async (x: number, ctx) => {
        trail.push(ctx.path);
        await hook();
        completed.push(ctx.path);
        if (spec.fail && Math.abs(x) % 3 === spec.failIf) throw new errorOf[spec.fail]("planned failure");
        return (spec.op === "add" ? x + spec.k : x * spec.k) + 0;
      });
    case "sequence":
      return sequence(name, spec.children.map((c, i) => build(c, `n${i}`, trail, hook, completed)) as [Flow, ...Flow[]]);
    case "choose":
      return choose(
        name,
        spec.thresholds.map((t, i) => ({ when: (x: number) => x > t, then: build(spec.cases[i]!, `c${i}`, trail, hook, completed), label: `x > ${t}` })),
        spec.otherwise ? build(spec.otherwise, "other", trail, hook, completed) : undefined,
      );
    case "route":
      return route(name, {
        routes: Object.fromEntries(spec.routes.map((r, i) => [`r${i}`, build(r, `r${i}`, trail, hook, completed)])),
        choose: async (x: number) => `r${Math.abs(x) % spec.modulo}`,
        ...(spec.fallback ? { fallback: "r0" } : {}),
      });
    case "parallel":
      return parallel(name, spec.branches.map((b, i) => build(b, `p${i}`, trail, hook, completed)) as [Flow, ...Flow[]], {
        ...(spec.max ? { maxConcurrency: spec.max } : {}),
        combine: (results: unknown[]) => (results as number[]).reduce((a, b) => a + b, 0),
      });
    case "map":
      return map(name, build(spec.body, "body", trail, hook, completed), {
        items: (x: number) => Array.from({ length: spec.count }, (_, i) => x + i),
        ...(spec.max ? { maxConcurrency: spec.max } : {}),
        combine: (results: unknown[]) => (results as number[]).reduce((a, b) => a + b, 0),
      });
  }
}

function concurrent(spec: Spec): boolean {
  switch (spec.kind) {
    case "step":
      return false;
    case "sequence":
      return spec.children.some(concurrent);
    case "choose":
      return [...spec.cases, ...(spec.otherwise ? [spec.otherwise] : [])].some(concurrent);
    case "route":
      return spec.routes.some(concurrent);
    case "parallel":
    case "map":
      return true;
  }
}

const sorted = (xs: string[]) => [...xs].sort();

async function outcomeOf(promise: Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: (await promise) as number };
  } catch (e: any) {
    return { ok: false, path: e.step, category: e.category };
  }
}

describe("compiled workflows against a reference interpreter", () => {
  it("give the same output or failure, after the same steps, for random nested flows (property)", async () => {
    await fc.assert(
      fc.asyncProperty(specArb, fc.integer({ min: -20, max: 20 }), async (spec, input) => {
        const expectedTrail: string[] = [];
        const expected = evaluate(spec, "root", "root", input, expectedTrail);
        const trail: string[] = [];
        const actual = await outcomeOf(run(workflow("W", build(spec, "root", trail)), input, { log: () => undefined }));
        expect(actual).toEqual(expected);
        if (concurrent(spec)) expect(sorted(trail)).toEqual(sorted(expectedTrail));
        else expect(trail).toEqual(expectedTrail);
      }),
      { numRuns: Number(process.env.EQ_RUNS ?? 200) },
    );
  });
});

describe("persist, restore and continue", () => {
  it("equals an uninterrupted run; completed steps never run again, in-flight ones do (property)", async () => {
    await fc.assert(
      fc.asyncProperty(specArb, fc.integer({ min: -20, max: 20 }), fc.nat(), async (spec, input, cut) => {
        const expectedTrail: string[] = [];
        const expected = evaluate(spec, "root", "root", input, expectedTrail);
        fc.pre(expectedTrail.length > 0);
        const crashAt = cut % expectedTrail.length; // the call during which we persist and "crash"

        const trail: string[] = [];
        const completed: string[] = [];
        let calls = 0;
        let persisted: unknown;
        let completedBeforeCrash: string[] = [];
        let actor: any;
        const recorded: string[] = []; // steps whose result event the machine has processed
        const hook = () => {
          if (calls++ === crashAt) {
            persisted = JSON.parse(JSON.stringify(actor.getPersistedSnapshot()));
            completedBeforeCrash = [...recorded];
            return new Promise<void>(() => undefined); // the "crash": this call never finishes
          }
        };
        const wf = workflow("W", build(spec, "root", trail, hook, completed));
        actor = createActor(compile(wf), {
          input,
          id: "run",
          inspect: (e: any) => {
            if (e.type !== "@xstate.event" || !/^stepchart\.(done|error)\./.test(e.event.type)) return;
            const statePath = e.event.type.replace(/^stepchart\.(done|error)\./, "");
            const display = statePath.split(".").filter((k: string) => !k.startsWith("$")).join(".");
            const prefix = e.actorRef.getSnapshot().context.prefix as string;
            recorded.push(prefix ? `${prefix}.${display}` : display);
          },
        }).start();
        for (let i = 0; persisted === undefined; i++) {
          if (i > 100) throw new Error(`never reached call ${crashAt}: ${JSON.stringify(actor.getSnapshot().value)}`);
          await flush(1);
        }
        actor.stop();

        const restored = createActor(compile(wf), { snapshot: persisted as any, id: "run", input: undefined });
        const finished = new Promise<void>((resolve) => restored.subscribe({ complete: () => resolve() }));
        restored.start();
        await Promise.race([finished, flush(200).then(() => Promise.reject(new Error("the restored run never finished")))]);
        const snapshot = restored.getSnapshot();
        const actual: Outcome = snapshot.hasTag("stepchart.failed")
          ? { ok: false, path: snapshot.context.errors[""]!.path, category: snapshot.context.errors[""]!.error.category! }
          : { ok: true, value: snapshot.output as number };
        expect(actual).toEqual(expected);

        const extra = [...trail];
        for (const p of expectedTrail) extra.splice(extra.indexOf(p), 1);
        expect(sorted(trail.filter((p) => expectedTrail.includes(p)).filter((p, i, xs) => xs.indexOf(p) === i))).toEqual(sorted(expectedTrail));
        for (const p of extra) expect(completedBeforeCrash).not.toContain(p);
        if (!concurrent(spec)) expect(trail).toEqual([...expectedTrail.slice(0, crashAt + 1), ...expectedTrail.slice(crashAt)]);
      }),
      { numRuns: Number(process.env.EQ_RUNS ?? 200) },
    );
  });
});
