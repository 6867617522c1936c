import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { machineInfo } from "../../src/compile/compile.js";
import {
  compensate,
  compile,
  DependencyError,
  LogicError,
  map,
  parallel,
  ResourceError,
  run,
  saga,
  sequence,
  step,
  TransientError,
  ValidationError,
  workflow,
  type LogEntry,
} from "../../src/index.js";
import { flush } from "../support/gate.js";

const quiet = { log: () => undefined };

/** A compensable step that records what ran and what was undone. */
function reservation(name: string, journal: string[], options: { fail?: () => Error; undoFails?: boolean } = {}) {
  return compensate(
    step(name, (x: number) => {
      journal.push(`do ${name}`);
      if (options.fail) throw options.fail();
      return x + 1;
    }),
    (output: number) => {
      journal.push(`undo ${name} (${output})`);
      if (options.undoFails) throw new Error(`cannot undo ${name}`);
    },
  );
}

describe("saga compiles to chained states with an exit path into compensation", () => {
  const journal: string[] = [];
  const wf = workflow("W", saga("Booking", [reservation("flight", journal), reservation("hotel", journal), step("charge", (x: number) => x)]));
  const s = (compile(wf).config as any).states.Booking;

  it("chains the flows, then has $check, $compensating and $compensated", () => {
    expect(Object.keys(s.states)).toEqual(["flight", "hotel", "charge", "$check", "$compensating", "$compensated", "$done"]);
    expect(s.states.charge.on["stepchart.error.Booking.charge"].target).toBe("#W.Booking.$check");
  });

  it("pushes a record for each completed compensable flow and registers its compensation by name", () => {
    expect(s.states.flight.onDone.actions).toEqual({ type: "stepchart.push", params: { path: "Booking.flight", undo: "stepchart.undo Booking.flight", lane: 0 } });
    expect([...machineInfo(compile(wf)).undoSteps.keys()]).toEqual(["stepchart.undo Booking.flight", "stepchart.undo Booking.hotel"]);
  });

  it("compensates one record at a time in $compensating: a plain step in the executor, a flow as a child machine", () => {
    const undoFlow = sequence("cancel", [step("notify", (x: number) => x)]);
    const mixed = workflow("W", saga("Booking", [reservation("flight", []), compensate(step("hotel", (x: number) => x), undoFlow), step("charge", (x: number) => x)]));
    const c = (compile(mixed).config as any).states.Booking.states.$compensating;
    expect(c.tags).toEqual(["stepchart.compensating"]);
    expect(Object.keys(c.states)).toEqual(["$next", "$step", "$child"]);
    expect(c.states.$next.always.map((t: any) => t.target)).toEqual(["$step", "$child", "#W.Booking.$compensated"]);
    expect(c.states.$step.meta).toEqual({ stepchart: { dispatch: "Booking.$compensating.$step" } });
    expect(Object.keys(c.states.$child.on)).toEqual(["xstate.done.actor.Booking.$undo.*", "xstate.error.actor.Booking.$undo.*"]);
  });

  it("leaves out the kinds of compensation a workflow cannot meet", () => {
    expect(Object.keys(s.states.$compensating.states)).toEqual(["$next", "$step"]);
    const root = (compile(workflow("Plain", step("a", (x: number) => x))).config as any).states;
    expect(root.$cancelling).toEqual({ always: { target: "#Plain.$cancelled", description: "nothing to compensate" } });
  });

  it("runs a compensation flow as a child machine registered by name", async () => {
    const journal: string[] = [];
    const undoFlow = sequence("release", [step("notify", (o: number) => (journal.push(`notify ${o}`), o)), step("free", (o: number) => void journal.push(`free ${o}`))]);
    const flowWf = workflow("F", saga("Hold", [compensate(step("hold", (x: number) => x + 1), undoFlow), step("fail", () => Promise.reject(new LogicError("no")))]));
    expect(Object.keys(compile(flowWf).implementations.actors)).toContain("stepchart.undo Hold.hold");
    const error: any = await run(flowWf, 1, quiet).catch((e) => e);
    expect(journal).toEqual(["notify 2", "free 2"]);
    expect(error.compensation.ran).toEqual(["Hold.hold"]);
  });
});

describe("saga at run time", () => {
  it("undoes the completed steps newest first, each with its own output, and reports them", async () => {
    const journal: string[] = [];
    const wf = workflow("W", saga("Booking", [reservation("flight", journal), reservation("hotel", journal), reservation("charge", journal, { fail: () => new LogicError("card declined") })]));
    const error = await run(wf, 0, quiet).catch((e: any) => e);
    expect(journal).toEqual(["do flight", "do hotel", "do charge", "undo hotel (2)", "undo flight (1)"]);
    expect(error.step).toBe("Booking.charge");
    expect(error.compensation).toEqual({ ran: ["Booking.hotel", "Booking.flight"], failed: [] });
  });

  it("records a failing compensation, logs it, and still runs the rest", async () => {
    const journal: string[] = [];
    const lines: LogEntry[] = [];
    const wf = workflow("W", saga("S", [reservation("a", journal), reservation("b", journal, { undoFails: true }), reservation("c", journal, { fail: () => new Error("x") })]));
    const error = await run(wf, 0, { log: (e) => lines.push(e) }).catch((e: any) => e);
    expect(journal).toEqual(["do a", "do b", "do c", "undo b (2)", "undo a (1)"]);
    expect(error.compensation).toEqual({ ran: ["S.a"], failed: ["S.b"] });
    expect(lines.map((l) => [l.level, l.message])).toContainEqual(["error", 'The compensation of "S.b" failed; the remaining compensations still run']);
  });

  it.each([
    ["a validation error (fails fast)", () => new ValidationError("bad"), false],
    ["a transient error (left to retries)", () => new TransientError("blip"), false],
    ["a dependency error (left to retries)", () => new DependencyError("down"), false],
    ["a resource error (by default)", () => new ResourceError("full"), false],
    ["a logic error", () => new LogicError("bug"), true],
  ])("for %s compensates: %s", async (_name, fail, compensates) => {
    const journal: string[] = [];
    const wf = saga("S", [reservation("a", journal), reservation("b", journal, { fail })]);
    const error = await run(wf, 0, quiet).catch((e: any) => e);
    expect(journal.includes("undo a (1)")).toBe(compensates);
    expect(error.compensation.ran).toEqual(compensates ? ["S.a"] : []);
  });

  it("lets the category rules be overridden per saga", async () => {
    const journal: string[] = [];
    const wf = saga("S", [reservation("a", journal), reservation("b", journal, { fail: () => new ResourceError("quota") })], { compensateOn: { resource: true } });
    await run(wf, 0, quiet).catch(() => undefined);
    expect(journal).toContain("undo a (1)");
    const custom = saga("T", [reservation("a", journal), reservation("b", journal, { fail: () => new LogicError("x", { code: "keep_it" }) })], {
      compensateOn: (e) => e.code !== "keep_it",
    });
    journal.length = 0;
    await run(custom, 0, quiet).catch(() => undefined);
    expect(journal).toEqual(["do a", "do b"]);
  });

  it("compensates exactly the completed compensable steps, once each, newest first, even when some compensations throw (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ compensable: fc.boolean(), undoFails: fc.boolean() }), { minLength: 1, maxLength: 8 }),
        fc.nat(),
        async (steps, at) => {
          const failAt = at % steps.length;
          const journal: string[] = [];
          const flows = steps.map((s, i) => {
            const name = `s${i}`;
            const work = step(name, (x: number) => {
              journal.push(`do ${name}`);
              if (i === failAt) throw new LogicError("planned");
              return x + 1;
            });
            return s.compensable
              ? compensate(work, () => {
                  journal.push(`undo ${name}`);
                  if (s.undoFails) throw new Error("undo failed");
                })
              : work;
          });
          const error: any = await run(saga("S", flows as any), 0, quiet).catch((e: any) => e);
          const completed = steps.map((s, i) => ({ ...s, i })).filter((s) => s.i < failAt && s.compensable);
          const expectedUndo = completed.map((s) => `undo s${s.i}`).reverse();
          expect(journal.filter((j) => j.startsWith("undo"))).toEqual(expectedUndo);
          expect(error.compensation.ran).toEqual(completed.filter((s) => !s.undoFails).map((s) => `S.s${s.i}`).reverse());
          expect(error.compensation.failed).toEqual(completed.filter((s) => s.undoFails).map((s) => `S.s${s.i}`).reverse());
        },
      ),
      { numRuns: 60 },
    );
  });

  it("compensates the completed branches of a failed parallel, in reverse order of completion", async () => {
    const journal: string[] = [];
    const branch = (name: string, ticks: number) =>
      compensate(step(name, async (x: number) => (await flush(ticks), journal.push(`done ${name}`), x)), () => void journal.push(`undo ${name}`));
    const wf = saga("S", [
      parallel("P", { slow: branch("slow", 6), fast: branch("fast", 1), mid: branch("mid", 3), bad: step("bad", async () => (await flush(8), Promise.reject(new LogicError("no")))) }),
    ]);
    const error = await run(wf, 0, quiet).catch((e: any) => e);
    expect(journal).toEqual(["done fast", "done mid", "done slow", "undo slow", "undo mid", "undo fast"]);
    expect(error.compensation.ran).toEqual(["S.P.slow", "S.P.mid", "S.P.fast"]);
  });

  it("compensates the completed items of a map inside the saga", async () => {
    const journal: string[] = [];
    const item = compensate(step("reserve", (x: number) => x * 10), (o: number) => void journal.push(`undo ${o}`));
    const wf = saga("S", [map("seats", item, { items: () => [1, 2, 3], maxConcurrency: 1 }), step("pay", () => Promise.reject(new LogicError("declined")))]);
    const error = await run(wf, null, quiet).catch((e: any) => e);
    expect(journal).toEqual(["undo 30", "undo 20", "undo 10"]);
    expect(error.compensation.ran).toEqual(["S.seats[2].reserve", "S.seats[1].reserve", "S.seats[0].reserve"]);
  });

  it("leaves an inner saga's records to the outer saga once the inner one completed", async () => {
    const journal: string[] = [];
    const wf = saga("Outer", [reservation("a", journal), saga("Inner", [reservation("b", journal), reservation("c", journal)]), reservation("d", journal, { fail: () => new Error("x") })]);
    const error = await run(wf, 0, quiet).catch((e: any) => e);
    expect(journal.filter((j) => j.startsWith("undo"))).toEqual(["undo c (3)", "undo b (2)", "undo a (1)"]);
    expect(error.compensation.ran).toEqual(["Outer.Inner.c", "Outer.Inner.b", "Outer.a"]);
  });

  it("passes the step option compensate the step's output and a step context", async () => {
    const seen: unknown[] = [];
    const s1 = step("book", (x: number) => ({ booking: x }), { compensate: (out, ctx) => void seen.push(out, ctx.path, ctx.idempotencyKey) });
    await run(saga("S", [s1, step("fail", () => Promise.reject(new LogicError("x")))]), 7, { ...quiet, runId: "r" }).catch(() => undefined);
    expect(seen).toEqual([{ booking: 7 }, "S.book.compensate", "r:S.book.compensate:1"]);
  });

  it("runs recover after compensating, and its output becomes the saga's", async () => {
    const journal: string[] = [];
    const recover = step("flagForManualProcessing", (info: any) => ({ manual: true, input: info.input, failedAt: info.error.path, code: info.error.code, undone: info.compensation.ran }));
    const wf = workflow("W", sequence("Main", [saga("Store", [reservation("insert", journal), reservation("extract", journal, { fail: () => new LogicError("partial", { code: "partial_extraction" }) })], { recover }), step("after", (x: unknown) => x)]));
    expect(await run(wf, 5, quiet)).toEqual({ manual: true, input: 5, failedAt: "Main.Store.extract", code: "partial_extraction", undone: ["Main.Store.insert"] });
  });
});
