import { createActor } from "xstate";
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { choose, compile, route, run, sequence, start, step, workflow, type Flow } from "../src/index.js";

describe("types are inferred from values", () => {
  it("infers a step's input and output from its function", () => {
    const s = step("len", (x: string) => x.length);
    expectTypeOf(s).toMatchTypeOf<Flow<string, number>>();
    const a = step("fetch", async (id: number) => ({ id, name: "n" }));
    expectTypeOf(run(a, 1)).toEqualTypeOf<Promise<{ id: number; name: string }>>();
  });

  it("gives a sequence the first flow's input and the last flow's output", () => {
    const seq = sequence("S", [step("a", (x: string) => x.length), step("b", (n: number) => n > 2)]);
    expectTypeOf(run(seq, "abc")).toEqualTypeOf<Promise<boolean>>();
    // @ts-expect-error the input is a string
    run(seq, 42);
  });

  it("gives a workflow the types of its flow, checked against its schemas", () => {
    const wf = workflow("W", step("a", (x: { id: string }) => x.id.length), { input: z.object({ id: z.string() }) });
    expectTypeOf(run(wf, { id: "x" })).toEqualTypeOf<Promise<number>>();
    expectTypeOf(start(wf, { id: "x" }).result).toEqualTypeOf<Promise<number>>();
  });

  it("types a compiled machine's input and output", () => {
    const wf = workflow("W", step("a", (x: number) => `${x}`));
    const actor = createActor(compile(wf), { input: 1 });
    expectTypeOf(actor.getSnapshot().output).toEqualTypeOf<string | undefined>();
  });

  it("types choose and route outputs from their flows", () => {
    const c = choose("C", [{ when: (x: number) => x > 1, then: step("big", (x: number) => `${x}`) }], step("small", (x: number) => `${x}`));
    expectTypeOf(run(c, 1)).toEqualTypeOf<Promise<string>>();
    const r = route("R", { routes: { a: step("a", (x: number) => x), b: step("b", (x: number) => x * 2) }, choose: () => "a" });
    expectTypeOf(run(r, 1)).toEqualTypeOf<Promise<number>>();
  });
});
