// Type tests of the advanced-control-flow builders of cancellation, triggers,
// critical sections, maps, call and spawn: inferred like the core DSL.
import { describe, expectTypeOf, it } from "vitest";
import { call, cancelOn, critical, map, run, step, workflow, type Workflow } from "../../src/index.js";

describe("advanced control flow builders infer their types", () => {
  it("cancelOn: the flow's input; the flow's output or onCancel's (the input without onCancel)", () => {
    const work = step("Work", (x: { id: number }) => x.id * 2);
    expectTypeOf(run(cancelOn(work, "STOP"), { id: 1 })).toEqualTypeOf<Promise<number | { id: number }>>();
    const withUndo = cancelOn(work, "STOP", { onCancel: step("Undo", (x: { id: number }) => `undo ${x.id}`) });
    expectTypeOf(run(withUndo, { id: 1 })).toEqualTypeOf<Promise<number | string>>();
    // @ts-expect-error the input is { id: number }
    run(withUndo, "x");
    // @ts-expect-error onCancel must take the flow's input
    cancelOn(work, "STOP", { onCancel: step("Bad", (x: string) => x) });
  });

  it("critical: the flow's own input and output", () => {
    const section = critical("ledger", step("Debit", (x: { amount: number }) => x.amount > 0));
    expectTypeOf(run(section, { amount: 1 })).toEqualTypeOf<Promise<boolean>>();
    // @ts-expect-error the input is { amount: number }
    run(section, 1);
  });

  it("map with a partial join: then's output, or the results; until sees the results", () => {
    const ask = step("Ask", (vendor: string) => vendor.length);
    const quorum = map("Quotes", ask, { items: (r: { vendors: string[] }) => r.vendors, quorum: 2, cancel: false, then: step("Best", (qs: number[]) => Math.min(...qs) > 0) });
    expectTypeOf(run(quorum, { vendors: ["a"] })).toEqualTypeOf<Promise<boolean>>();
    const until = map("Sum", ask, { items: (r: string[]) => r, until: (qs) => qs.reduce((a, b) => a + b, 0) > 3, addOn: "ITEM" });
    expectTypeOf(run(until, ["a"])).toEqualTypeOf<Promise<number[]>>();
    // @ts-expect-error then must take the results (number[])
    map("Bad", ask, { items: (r: string[]) => r, quorum: 1, then: step("Str", (s: string) => s) });
    const gathered = map("Total", ask, { items: (r: string[]) => r, quorum: 1, combine: (qs) => qs.length, then: step("Twice", (n: number) => `${n * 2}`) });
    expectTypeOf(run(gathered, ["a"])).toEqualTypeOf<Promise<string>>();
  });

  it("call: the called workflow's types, or the input mapping's input", () => {
    const review = workflow("Review", step("Score", (doc: { id: string }) => doc.id.length));
    expectTypeOf(run(call(() => review), { id: "a" })).toEqualTypeOf<Promise<number>>();
    const mapped = call(() => review, { input: (n: number) => ({ id: `${n}` }) });
    expectTypeOf(run(mapped, 1)).toEqualTypeOf<Promise<number>>();
    // @ts-expect-error the mapping must make the called workflow's input
    call(() => review, { input: (n: number) => n });
    const self: Workflow<number, number> = workflow("Self", call(() => self, { input: (n: number) => n - 1 }));
    expectTypeOf(run(self, 3)).toEqualTypeOf<Promise<number>>();
  });
});
