import { describe, expect, it } from "vitest";
import { pipeline, run, step } from "../../src/index.js";
import { flush } from "../support/gate.js";

const quiet = { log: () => undefined };

describe("pipeline", () => {
  it("passes each item through the stages in order and returns the last stage's results in item order", async () => {
    const wf = pipeline("P", [step("parse", (s: string) => Number(s)), step("square", (n: number) => n * n), step("show", (n: number) => `=${n}`)], {
      items: (xs: string[]) => xs,
    });
    expect(await run(wf, ["3", "1", "2"], quiet)).toEqual(["=9", "=1", "=4"]);
  });

  it("has different items in different stages at once, each stage within its own limit", async () => {
    const live = { a: 0, b: 0 };
    const peak = { a: 0, b: 0 };
    let overlap = false;
    const stage = (name: "a" | "b", ticks: number) =>
      step(name, async (x: number) => {
        live[name]++;
        peak[name] = Math.max(peak[name], live[name]);
        if (live.a > 0 && live.b > 0) overlap = true;
        await flush(ticks);
        live[name]--;
        return x + 1;
      });
    const wf = pipeline("P", [stage("a", 2), { flow: stage("b", 3), maxConcurrency: 1 }], { items: (n: number) => Array.from({ length: n }, (_, i) => i * 10), maxConcurrency: 2 });
    expect(await run(wf, 6, quiet)).toEqual([2, 12, 22, 32, 42, 52]);
    expect(peak).toEqual({ a: 2, b: 1 });
    expect(overlap).toBe(true);
  });

  it("stops an item at the stage where it fails and reports the stage's step path", async () => {
    const wf = pipeline("P", [step("a", (x: number) => x), step("b", (x: number) => {
      if (x === 2) throw new Error("two");
      return x;
    })], { items: () => [1, 2, 3] });
    const error = await run(wf, null, quiet).catch((e) => e);
    expect(error.cause.errors.map((e: any) => [e.branch, e.path])).toEqual([["[1]", "P[1].b"]]);
  });
});
