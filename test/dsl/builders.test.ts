import { describe, expect, it } from "vitest";
import { z } from "zod";
import { choose, DefinitionError, route, sequence, step, workflow } from "../../src/index.js";
import { toMs } from "../../src/dsl/duration.js";

const noop = step("noop", (x: unknown) => x);

function definitionError(build: () => unknown): DefinitionError {
  try {
    build();
  } catch (e) {
    expect(e).toBeInstanceOf(DefinitionError);
    expect((e as DefinitionError).category).toBe("logic");
    expect((e as DefinitionError).code).toBe("invalid_definition");
    return e as DefinitionError;
  }
  throw new Error("Expected a DefinitionError, got none");
}

describe("step", () => {
  it("builds a plain definition node", () => {
    const s = step("Classify", (x: number) => x * 2);
    expect(s.kind).toBe("step");
    expect(s.name).toBe("Classify");
  });

  it.each([
    ["", "Expected the name of a step to be a non-empty string"],
    ["a.b", 'Expected the name of step "a.b" to contain no ".", "#" or "*"'],
    ["a#b", 'Expected the name of step "a#b" to contain no ".", "#" or "*"'],
    ["*", 'Expected the name of step "*" to contain no ".", "#" or "*"'],
    ["$done", 'Expected the name of step "$done" to contain no ".", "#" or "*" and not to start with "$"'],
  ])("rejects the name %j", (name, message) => {
    expect(definitionError(() => step(name, (x: unknown) => x)).message).toContain(message);
  });

  it("rejects a function that is not a function", () => {
    expect(definitionError(() => step("A", 42 as never)).message).toBe('Expected the function of step "A" to be a function, got number 42');
  });

  it("rejects a schema that is not a zod schema", () => {
    expect(definitionError(() => step("A", (x) => x, { input: {} as never })).message).toBe(
      'Expected the input schema of step "A" to be a zod schema, got an object',
    );
  });
});

describe("sequence", () => {
  it("rejects an empty sequence", () => {
    expect(definitionError(() => sequence("S", [] as never)).message).toBe('Expected sequence "S" to have at least one flow, got none');
  });

  it("rejects two flows with the same name in one sequence", () => {
    expect(definitionError(() => sequence("S", [noop, noop])).message).toContain(
      'Expected every flow in sequence "S" to have its own name, got "noop" twice',
    );
  });

  it("rejects something that is not a flow, saying which position", () => {
    expect(definitionError(() => sequence("S", [noop, (() => 1) as never])).message).toBe(
      'Expected flow 2 of sequence "S" to be a flow (built with step(), sequence(), parallel(), map(), choose(), route(), retry(), saga(), waitFor() or workflow()), got a function',
    );
  });
});

describe("choose", () => {
  it("labels cases by their label, the when function's name, or their position", () => {
    function isBig(x: number) {
      return x > 10;
    }
    const c = choose("C", [
      { when: (x: number) => x > 100, then: step("huge", (x: number) => x), label: "x > 100" },
      { when: isBig, then: step("big", (x: number) => x) },
      { when: (x: number) => x > 1, then: step("some", (x: number) => x) },
    ]);
    expect(c.cases.map((k) => k.label)).toEqual(["x > 100", "isBig", "case 3"]);
  });

  it("rejects a choose without cases", () => {
    expect(definitionError(() => choose("C", [])).message).toBe('Expected choose "C" to have at least one case, got none');
  });

  it("rejects a case without a when function", () => {
    expect(definitionError(() => choose("C", [{ when: true as never, then: noop }])).message).toBe(
      'Expected case 1 of choose "C" to have a function `when`, got boolean true',
    );
  });

  it("rejects two cases running flows of the same name", () => {
    expect(definitionError(() => choose("C", [{ when: () => true, then: noop }], noop)).message).toContain(
      'got "noop" twice',
    );
  });
});

describe("route", () => {
  const a = step("a", (x: unknown) => x);
  const b = step("b", (x: unknown) => x);

  it("rejects a route without routes", () => {
    expect(definitionError(() => route("R", { routes: {}, choose: () => "a" })).message).toBe(
      'Expected route "R" to have at least one route in `routes`, got an object',
    );
  });

  it("rejects a fallback that is not one of the routes", () => {
    expect(definitionError(() => route("R", { routes: { a, b }, choose: () => "a", fallback: "c" as never })).message).toBe(
      'Expected `fallback` of route "R" to be one of "a", "b", got string "c"',
    );
  });

  it("rejects a chooser that is not a function", () => {
    expect(definitionError(() => route("R", { routes: { a }, choose: "a" as never })).message).toBe(
      'Expected `choose` of route "R" to be a function (or llmRouter(...)), got string "a"',
    );
  });

  it("rejects a route name that cannot be a state key", () => {
    expect(definitionError(() => route("R", { routes: { "a.b": a }, choose: () => "a.b" })).message).toContain(
      'Expected the name of route of "R" "a.b" to contain no ".", "#" or "*"',
    );
  });
});

describe("workflow", () => {
  it("defaults the version to 1 and keeps the schemas", () => {
    const wf = workflow("W", noop, { input: z.object({}) });
    expect(wf.version).toBe("1");
    expect(wf.inputSchema).toBeDefined();
  });

  it("rejects a flow that is not a flow", () => {
    expect(definitionError(() => workflow("W", {} as never)).message).toContain('Expected the flow of workflow "W" to be a flow');
  });
});

describe("durations", () => {
  it.each([
    [250, 250],
    ["500ms", 500],
    ["30s", 30_000],
    ["1.5s", 1_500],
    ["5m", 300_000],
    ["2h", 7_200_000],
    ["1d", 86_400_000],
  ])("reads %j as %d ms", (input, ms) => {
    expect(toMs(input, "timeout")).toBe(ms);
  });

  it.each([["soon"], [-1], ["10 minutes"], [Number.NaN], [null]])("rejects %j with a message naming the option", (input) => {
    expect(definitionError(() => toMs(input, "the timeout of step A")).message).toContain(
      'Expected the timeout of step A to be a duration (milliseconds >= 0, or a string like "500ms", "30s", "5m", "2h", "1d")',
    );
  });
});
