import { describe, expect, it } from "vitest";
import { compile, sequence, step, workflow } from "../../src/index.js";

/** Every function inside a config, with where it is (the context factory and output are allowed). */
function functionsIn(value: unknown, where = "config", found: string[] = []): string[] {
  if (typeof value === "function") found.push(where);
  else if (Array.isArray(value)) value.forEach((v, i) => functionsIn(v, `${where}[${i}]`, found));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) functionsIn(v, `${where}.${k}`, found);
  }
  return found;
}

describe("step compiles to a dispatching state", () => {
  const wf = workflow("W", sequence("S", [step("a", (x: number) => x + 1), step("b", (x: number) => x)]));
  const machine = compile(wf);
  const a = (machine.config as any).states.S.states.a;

  it("dispatches on entry and withdraws on exit, by action name", () => {
    expect(a.entry).toEqual({ type: "stepchart.dispatch", params: { key: "S.a" } });
    expect(a.exit).toEqual({ type: "stepchart.withdraw", params: { key: "S.a" } });
  });

  it("stores its output in its lane when done and records the failure when it fails", () => {
    expect(a.on["stepchart.done.S.a"].actions).toEqual({ type: "stepchart.store", params: { lane: 0 } });
    expect(a.on["stepchart.error.S.a"].actions).toEqual({ type: "stepchart.fail", params: { path: "S.a", slot: "" } });
  });

  it("marks the state in meta so that a restore can re-dispatch it", () => {
    expect(a.meta).toEqual({ stepchart: { dispatch: "S.a" } });
  });

  it("puts no inline function anywhere in the config except the context factory and output", () => {
    expect(functionsIn(machine.config)).toEqual(["config.context", "config.output"]);
  });

  it("registers every action it names in setup", () => {
    for (const name of ["stepchart.dispatch", "stepchart.withdraw", "stepchart.store", "stepchart.fail"]) {
      expect(machine.implementations.actions[name]).toBeDefined();
    }
  });

  it("is compiled once per definition", () => {
    expect(compile(wf)).toBe(machine);
  });
});
