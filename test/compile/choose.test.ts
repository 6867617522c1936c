import { describe, expect, it } from "vitest";
import { choose, compile, NoMatchingCaseError, run, sequence, step, workflow, WorkflowFailed } from "../../src/index.js";

const tag = (name: string) => step(name, (x: { score: number }) => ({ ...x, path: name }));

const routing = choose(
  "Routing",
  [
    { when: (s: { score: number }) => s.score >= 0.9, then: tag("auto"), label: "score >= 0.9" },
    { when: (s: { score: number }) => s.score >= 0.7, then: tag("review"), label: "score >= 0.7" },
  ],
  tag("manual"),
);

describe("choose compiles to guarded eventless transitions", () => {
  const config = compile(workflow("W", routing)).config as any;
  const select = config.states.Routing.states.$select;

  it("tests the cases once on entry of $select and leaves by always transitions in case order", () => {
    expect(select.entry).toBe("stepchart.select Routing");
    expect(select.always.map((t: any) => t.target)).toEqual(["#W.$failed", "auto", "review", "manual"]);
  });

  it("names each case's guard after its label, for diagrams and the inspector", () => {
    expect(select.always.slice(1, 3).map((t: any) => t.guard)).toEqual(["Routing: score >= 0.9", "Routing: score >= 0.7"]);
    expect(select.always.map((t: any) => t.description)).toEqual(["a case threw", "score >= 0.9", "score >= 0.7", "otherwise"]);
  });

  it("holds one state per case plus the otherwise flow and a final state", () => {
    expect(Object.keys(config.states.Routing.states)).toEqual(["$select", "auto", "review", "manual", "$done"]);
  });
});

describe("choose at run time", () => {
  it.each([
    [0.95, "auto"],
    [0.9, "auto"],
    [0.8, "review"],
    [0.2, "manual"],
  ])("with score %d takes %s (first matching case wins, then otherwise)", async (score, path) => {
    expect(await run(workflow("W", routing), { score })).toEqual({ score, path });
  });

  it("fails with NoMatchingCaseError when no case matches and there is no otherwise", async () => {
    const strict = workflow("Strict", choose("Only", [{ when: (x: number) => x > 0, then: step("pos", (x: number) => x), label: "x > 0" }]));
    const error = await run(strict, -1).catch((e) => e);
    expect(error).toBeInstanceOf(WorkflowFailed);
    expect(error.step).toBe("Only");
    expect(error.cause).toBeInstanceOf(NoMatchingCaseError);
    expect(error.cause.message).toBe(
      'No case of choose "Only" matched its input (tested "x > 0") and it has no `otherwise`; add an `otherwise` flow or a case for this input',
    );
  });

  it("fails at the choose, as a logic error, when a when function throws, and runs no case", async () => {
    let ran = false;
    const wf = workflow(
      "W",
      choose("C", [{ when: (x: { a: { b: number } }) => x.a.b > 1, then: step("never", () => (ran = true)) }], step("other", () => (ran = true))),
    );
    const error = await run(wf, {} as never).catch((e) => e);
    expect(error.step).toBe("C");
    expect(error.category).toBe("logic");
    expect(error.cause.cause.name).toBe("TypeError");
    expect(ran).toBe(false);
  });

  it("nests: a choose case can hold a sequence with another choose", async () => {
    const inner = choose("Inner", [{ when: (x: number) => x % 2 === 0, then: step("even", (x: number) => `${x} even`) }], step("odd", (x: number) => `${x} odd`));
    const wf = workflow("W", choose("Outer", [{ when: (x: number) => x > 10, then: sequence("big", [step("half", (x: number) => x / 2), inner]) }], step("small", (x: number) => `${x} small`)));
    expect(await run(wf, 40)).toBe("20 even");
    expect(await run(wf, 22)).toBe("11 odd");
    expect(await run(wf, 3)).toBe("3 small");
  });
});
