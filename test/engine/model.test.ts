// Model-based test of the engine: random sequences of starts, signals, time
// passing and restarts (a new engine on the same store) against a model of
// what every run must end with.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEngine, memoryStore, sequence, sleep, step, waitFor, workflow, type Engine, type Store } from "../../src/index.js";
import { TestClock } from "../../src/testing/index.js";

const MINUTE = 60_000;
const flows = [
  workflow("Add", sequence("Add", [step("a", (x: number) => x + 1), step("b", (x: number) => x + 2)])),
  workflow("Nap", sequence("Nap", [step("a", (x: number) => x * 2), sleep("nap", "10m"), step("b", (x: number) => x + 1)])),
  workflow("Ask", sequence("Ask", [waitFor("answer", "ANSWER", { merge: (x: number, p: { n: number }) => x + p.n }), step("b", (x: number) => x * 3)])),
];

interface Model {
  runs: Map<string, { workflow: string; input: number; answered: number | undefined }>;
}

interface Real {
  store: Store;
  clock: TestClock;
  engine: Engine;
}

const expectedOutput = (r: { workflow: string; input: number; answered: number | undefined }) =>
  r.workflow === "Add" ? r.input + 3 : r.workflow === "Nap" ? r.input * 2 + 1 : (r.input + r.answered!) * 3;

class Start implements fc.AsyncCommand<Model, Real> {
  constructor(readonly workflow: string, readonly input: number, readonly id: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const runId = `run-${this.id}`;
    const result = await r.engine.start(this.workflow, this.input, { runId });
    const known = m.runs.get(runId);
    expect(result.created).toBe(known === undefined);
    if (!known) m.runs.set(runId, { workflow: this.workflow, input: this.input, answered: undefined });
  }
  toString = () => `start(${this.workflow}, ${this.input}, run-${this.id})`;
}

class Answer implements fc.AsyncCommand<Model, Real> {
  constructor(readonly id: number, readonly n: number) {}
  check = (m: Readonly<Model>) => m.runs.get(`run-${this.id}`)?.workflow === "Ask";
  async run(m: Model, r: Real) {
    const run = m.runs.get(`run-${this.id}`)!;
    const outcome = await r.engine.signal(`run-${this.id}`, { type: "ANSWER", n: this.n }).then(() => "ok", (e) => e.code);
    if (run.answered === undefined) {
      expect(outcome).toBe("ok");
      run.answered = this.n;
    } else {
      expect(outcome).toBe("run_finished");
    }
  }
  toString = () => `answer(run-${this.id}, ${this.n})`;
}

class Pass implements fc.AsyncCommand<Model, Real> {
  constructor(readonly minutes: number) {}
  check = () => true;
  async run(_m: Model, r: Real) {
    await r.clock.advance(this.minutes * MINUTE);
  }
  toString = () => `pass(${this.minutes}m)`;
}

class Restart implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(_m: Model, r: Real) {
    await r.engine.close();
    r.engine = createEngine({ workflows: flows, store: r.store, clock: r.clock, log: () => undefined });
    await r.engine.ready;
  }
  toString = () => "restart";
}

describe("the engine against a model", () => {
  it("ends every run as the model says, whatever the order of starts, answers, time and restarts (property)", async () => {
    const commands = [
      fc.tuple(fc.constantFrom("Add", "Nap", "Ask"), fc.integer({ min: -50, max: 50 }), fc.nat(5)).map(([w, i, id]) => new Start(w, i, id)),
      fc.tuple(fc.nat(5), fc.integer({ min: 1, max: 9 })).map(([id, n]) => new Answer(id, n)),
      fc.integer({ min: 1, max: 15 }).map((m) => new Pass(m)),
      fc.constant(new Restart()),
    ];
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { size: "-1" }), async (cmds) => {
        const clock = new TestClock();
        const store = memoryStore();
        const real: Real = { store, clock, engine: createEngine({ workflows: flows, store, clock, log: () => undefined }) };
        const model: Model = { runs: new Map() };
        await fc.asyncModelRun(() => ({ model, real }), cmds);
        // finish: answer every unanswered question, let every timer pass
        for (const [runId, run] of model.runs) {
          if (run.workflow === "Ask" && run.answered === undefined) {
            await real.engine.signal(runId, { type: "ANSWER", n: 1 });
            run.answered = 1;
          }
        }
        await clock.advance(20 * MINUTE);
        for (const [runId, run] of model.runs) expect(await real.engine.result(runId)).toBe(expectedOutput(run));
        await real.engine.close();
      }),
      { numRuns: 40 },
    );
  });
});
