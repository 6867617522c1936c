import { createActor } from "xstate";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { compile, run, sequence, step, ValidationError, workflow } from "../../src/index.js";

const Doc = z.object({ id: z.string(), pages: z.number().int().positive() });

describe("the root of a compiled workflow", () => {
  it("has the flow, the run's compensation for cancelling, then the final states $done, $failed and $cancelled", () => {
    const config = compile(workflow("W", step("only", (x: number) => x))).config as any;
    expect(config.id).toBe("W");
    expect(config.initial).toBe("only");
    expect(Object.keys(config.states)).toEqual(["only", "$cancelling", "$done", "$failed", "$cancelled"]);
    expect(config.states.$failed).toEqual({ type: "final", tags: ["stepchart.failed"] });
    expect(config.states.$cancelled).toEqual({ type: "final", tags: ["stepchart.cancelled"] });
    expect(config.states.only.on["stepchart.cancel"]).toEqual({ target: "#W.$cancelling", description: "cancel" });
  });

  it("checks the input first in $start when the workflow has an input schema", () => {
    const config = compile(workflow("W", step("only", (x: number) => x), { input: z.number() })).config as any;
    expect(config.initial).toBe("$start");
    expect(config.states.$start.always.map((t: any) => t.target)).toEqual(["$failed", "only"]);
  });

  it("ends a failed raw actor in $failed with the failure in its context", async () => {
    const wf = workflow("W", step("boom", () => {
      throw new Error("nope");
    }));
    const actor = createActor(compile(wf), { input: 1 });
    const done = new Promise<void>((resolve) => actor.subscribe({ complete: () => resolve() }));
    actor.start();
    await done;
    const snapshot = actor.getSnapshot();
    expect(snapshot.value).toBe("$failed");
    expect(snapshot.hasTag("stepchart.failed")).toBe(true);
    expect(snapshot.output).toBeUndefined();
    expect(snapshot.context.errors[""]).toMatchObject({ path: "boom", error: { name: "LogicError", message: "nope", category: "logic" } });
  });
});

describe("workflow input and output schemas", () => {
  const seen: unknown[] = [];
  const wf = workflow(
    "Ingest",
    sequence("steps", [step("count", (d: z.infer<typeof Doc>) => (seen.push(d), { id: d.id, words: d.pages * 300 }))]),
    { input: Doc, output: z.object({ id: z.string(), words: z.number().max(10_000) }) },
  );

  it("rejects a bad input before any step runs, listing every issue with its path", async () => {
    seen.length = 0;
    const error = await run(wf, { id: 7, pages: -1 } as never).catch((e) => e);
    expect(error.step).toBe("Ingest");
    expect(error.category).toBe("validation");
    expect(error.cause).toBeInstanceOf(ValidationError);
    expect(error.cause.issues.map((i: any) => i.path)).toEqual([["id"], ["pages"]]);
    expect(error.cause.message).toContain('Invalid input of workflow "Ingest": 2 issue(s)');
    expect(seen).toEqual([]);
  });

  it("passes the parsed input on (zod defaults and transforms apply)", async () => {
    const trimmed = workflow("T", step("echo", (s: string) => s), { input: z.string().trim() });
    expect(await run(trimmed, "  padded  ")).toBe("padded");
  });

  it("rejects an output that does not match, at the flow's path", async () => {
    const error = await run(wf, { id: "d1", pages: 100 }).catch((e) => e);
    expect(error.step).toBe("steps");
    expect(error.cause.message).toContain('Invalid output of workflow "Ingest": 1 issue(s)');
    expect(error.cause.issues[0].path).toEqual(["words"]);
  });

  it("returns the output when input and output are valid", async () => {
    expect(await run(wf, { id: "d1", pages: 2 })).toEqual({ id: "d1", words: 600 });
  });
});

describe("step input and output schemas", () => {
  it("rejects a step's bad input with a ValidationError naming the step path", async () => {
    let ran = false;
    const wf = workflow("W", sequence("S", [step("make", () => ({ n: "one" })), step("use", (x: { n: number }) => (ran = true, x), { input: z.object({ n: z.number() }) })]));
    const error = await run(wf, null).catch((e) => e);
    expect(error.step).toBe("S.use");
    expect(error.category).toBe("validation");
    expect(error.cause.message).toContain('Invalid input of step "S.use": 1 issue(s)');
    expect(ran).toBe(false);
  });

  it("rejects a step's bad output with a ValidationError naming the step path", async () => {
    const wf = workflow("W", step("make", () => ({ n: "one" }), { output: z.object({ n: z.number() }) }));
    const error = await run(wf, null).catch((e) => e);
    expect(error.step).toBe("make");
    expect(error.cause.message).toContain('Invalid output of step "make": 1 issue(s)');
  });
});
