// Type tests of the advanced-control-flow builders of cancellation, triggers,
// critical sections, maps, call and spawn: inferred like the core DSL.
import { describe, expectTypeOf, it } from "vitest";
import { cancelOn, critical, run, step } from "../../src/index.js";

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
});
