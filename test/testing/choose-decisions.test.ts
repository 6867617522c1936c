// Investigated: "a choose decides wrongly when the macrostep that enters it is
// the one that produced its input". It does not: the compiled `$select` state
// tests the cases in its entry action, which XState runs after the actions of
// the transition that stored the value, and its eventless transitions read the
// decision that entry action assigned in the same microstep. What does go
// wrong is traversing the *compiled* machine with xstate/graph without an
// `input`: the context factory then holds null, every `when` throws and the
// choose "decides" `a case threw` -> $failed (checked: getShortestPaths on a
// compiled choose gives {"G":"Yes"} with input { flag: true } and $failed
// without). The projection takes decisions as events instead. These runs pin
// the behaviour with real `when` functions wherever a choose can be entered.
import { describe, expect, it } from "vitest";
import { choose, map, parallel, retry, saga, sequence, step, waitFor, workflow } from "../../src/index.js";
import { simulate } from "../../src/testing/index.js";

const pick = (name: string) => choose(name, [{ when: (x: { flag?: boolean }) => x.flag === true, then: step(`${name}Yes`, () => "yes"), label: "flag" }], step(`${name}No`, () => "no"));
const setFlag = (name: string) => step(name, () => ({ flag: true }));

describe("a choose entered in the macrostep that produced its input", () => {
  it("decides on the output of the step just before it", async () => {
    expect((await simulate(workflow("A", sequence("A", [setFlag("Set"), pick("C")])), { flag: false })).output).toBe("yes");
  });

  it("decides on a wait's payload merged in the same macrostep", async () => {
    const sim = await simulate(workflow("B", sequence("B", [waitFor("W", "GO"), pick("C")])), { flag: false }, { answers: { W: { flag: true } } });
    expect(sim.output).toBe("yes");
  });

  it("decides on the first attempt's input again after a retry", async () => {
    const flow = retry(sequence("R", [pick("C"), step("Flaky", (x: string) => x)]), { maxRetries: 1, initialDelay: "1s" });
    const sim = await simulate(workflow("R", flow), { flag: true }, { outcomes: { Flaky: ["transient", { ok: "again" }] } });
    expect(sim.trace.filter((t) => t.kind === "decision").map((t) => (t as { chose: string }).chose)).toEqual(['"flag"', '"flag"']);
    expect(sim.output).toBe("again");
  });

  it("decides per region in a parallel whose regions start in one microstep, with and without a slot limit", async () => {
    for (const maxConcurrency of [undefined, 1]) {
      const flow = parallel("P", { a: sequence("a", [setFlag("SetA"), pick("CA")]), b: pick("CB") }, maxConcurrency ? { maxConcurrency } : {});
      expect((await simulate(workflow("P", flow), { flag: false })).output).toEqual({ a: "yes", b: "no" });
    }
  });

  it("decides on the recovery input of a saga and on each map item", async () => {
    const recovered = workflow("S", saga("S", [step("Boom", () => { throw new Error("boom"); })], {
      recover: choose("Why", [{ when: (x: { error: { category: string } }) => x.error.category === "logic", then: step("Logic", () => "logic"), label: "logic" }], step("Other", () => "other")),
    }));
    expect((await simulate(recovered, {})).output).toBe("logic");
    expect((await simulate(workflow("M", map("M", pick("C"), { items: (x: { items: object[] }) => x.items })), { items: [{ flag: true }, {}] })).output).toEqual(["yes", "no"]);
  });

  it("decides a nested choose within the same macrostep as the outer one", async () => {
    const flow = sequence("N", [setFlag("Set"), choose("Outer", [{ when: (x: { flag: boolean }) => x.flag, then: pick("Inner"), label: "flag" }])]);
    expect((await simulate(workflow("N", flow), {})).output).toBe("yes");
  });
});
