import { describe, expect, it } from "vitest";
import { z } from "zod";
import { choose, saga, sequence, step, waitFor, workflow } from "../../src/index.js";
import { check, paths } from "../../src/testing/index.js";
import { createMachine } from "xstate";
import { project, type Projection, type ProjectedEvent } from "../../src/testing/projection.js";
import { graphOf, pathsOf } from "../../src/testing/paths.js";
import { replay } from "../../src/testing/replay.js";
import { replayViolations, staticViolations } from "../../src/testing/invariants.js";
import type { Simulation } from "../../src/testing/index.js";

const pass = (name: string, options = {}) => step(name, (x: unknown) => x, options);
const undo = () => undefined;

describe("check finds a saga whose compensation is attached to the wrong step", () => {
  // The flight's cancellation hangs on ChargeCard, the last flow: it can never run, and the flight is never undone.
  const planted = workflow("Booking", saga("Booking", [pass("ReserveFlight"), pass("ReserveHotel", { compensate: undo }), pass("ChargeCard", { compensate: step("CancelFlight", undo) })]));

  it("reports the compensation that no path can run, with the path on which its step completes", async () => {
    const report = await check(planted);
    expect(report.violations).toContainEqual({
      invariant: "saga-compensates",
      path: "Booking.ReserveFlight done → Booking.ReserveHotel done → Booking.ChargeCard done → done",
      message: 'The compensation of "Booking.ChargeCard" never runs on any path: no flow after it in its saga can fail in a way the saga compensates. Is it attached to the right step?',
    });
  });

  it("reports the failing path that leaves a declared compensable step undone", async () => {
    const report = await check(planted, { compensable: ["ReserveFlight"] });
    const undone = report.violations.filter((v) => v.message.startsWith('"Booking.ReserveFlight" completed'));
    expect(undone.map((v) => v.path)).toEqual([
      "Booking.ReserveFlight done → Booking.ReserveHotel done → Booking.ChargeCard fails (logic) → Booking.ReserveHotel is compensated → fails at Booking.ChargeCard (logic)",
      "Booking.ReserveFlight done → Booking.ReserveHotel done → Booking.ChargeCard fails (logic) → Booking.ReserveHotel compensation fails → fails at Booking.ChargeCard (logic)",
      "Booking.ReserveFlight done → Booking.ReserveHotel fails (logic) → fails at Booking.ReserveHotel (logic)",
    ]);
    expect(undone[2]!.message).toBe('"Booking.ReserveFlight" completed before "Booking.ReserveHotel" failed (logic), which its saga compensates, but it is never compensated');
  });

  it("finds nothing wrong once the cancellation hangs on the flight", async () => {
    const fixed = workflow("Booking", saga("Booking", [pass("ReserveFlight", { compensate: step("CancelFlight", undo) }), pass("ReserveHotel", { compensate: undo }), pass("ChargeCard")]));
    const report = await check(fixed, { compensable: ["ReserveFlight", "ReserveHotel"] });
    expect(report.violations).toEqual([]);
    expect(report.paths.map((p) => p.description)).toContain(
      "Booking.ReserveFlight done → Booking.ReserveHotel done → Booking.ChargeCard fails (logic) → Booking.ReserveHotel is compensated → Booking.ReserveFlight is compensated → fails at Booking.ChargeCard (logic)",
    );
  });
});

describe("check finds a wait without a timeout", () => {
  it("names the path that reaches the wait", async () => {
    const planted = workflow("Approve", sequence("Approve", [pass("Send"), waitFor("WaitForApproval", "APPROVE"), pass("Process")]));
    const report = await check(planted);
    expect(report.violations).toEqual([
      {
        invariant: "wait-has-timeout",
        path: "Approve.Send done → waits at Approve.WaitForApproval",
        message: 'waitFor "Approve.WaitForApproval" has no timeout: a run whose event never comes waits forever; add `timeout` (and `onTimeout`)',
      },
    ]);
  });
});

describe("check finds a choose whose cases do not cover an input class", () => {
  const Doc = z.object({ id: z.string(), kind: z.enum(["invoice", "contract", "medical"]) });
  const cases = [
    { when: (d: z.infer<typeof Doc>) => d.kind === "invoice", then: pass("Invoice"), label: "invoice" },
    { when: (d: z.infer<typeof Doc>) => d.kind === "contract", then: pass("Contract"), label: "contract" },
  ];

  it("derives the classes from the workflow's input schema and reports the one no case covers, with the failing path", async () => {
    const report = await check(workflow("Sort", choose("Sort", cases), { input: Doc }));
    expect(report.violations).toEqual([
      {
        invariant: "choose-covers-input",
        path: "Sort matches no case → fails at Sort (logic)",
        message: 'No case of choose "Sort" covers the input class kind = "medical" ({"id":"sample","kind":"medical"}), and it has no `otherwise`',
      },
    ]);
  });

  it("derives them from the output schema of the step before the choose", async () => {
    const read = step("Read", (x: unknown) => x, { output: Doc });
    const report = await check(workflow("Sort", sequence("Sort", [read, choose("ByKind", cases)])), { replay: false });
    expect(report.violations.map((v) => [v.invariant, v.path])).toEqual([["choose-covers-input", "Sort.Read done → Sort.ByKind matches no case → fails at Sort.ByKind (logic)"]]);
  });

  it("takes sample inputs for a choose whose input has no schema", async () => {
    const wf = workflow("Sort", sequence("Sort", [pass("Read"), choose("ByKind", cases)]));
    expect((await check(wf, { replay: false })).violations).toEqual([]);
    const report = await check(wf, { replay: false, samples: { ByKind: [{ kind: "invoice" }, { kind: "memo" }] } });
    expect(report.violations.map((v) => v.message)).toEqual(['No case of choose "Sort.ByKind" covers the input class sample 2 ({"kind":"memo"}), and it has no `otherwise`']);
  });
});

describe("replaying a path on the real machine", () => {
  const wf = workflow("Shop", saga("Shop", [pass("Reserve", { compensate: undo }), pass("Pay")]));
  const projection = project(wf);
  const failing = paths(wf).find((p) => p.description === "Shop.Reserve done → Shop.Pay fails (logic) → Shop.Reserve is compensated → fails at Shop.Pay (logic)")!;

  it("finds no difference when the machine does what the path says", async () => {
    const r = await replay(wf, projection, failing);
    expect(r.mismatches).toEqual([]);
    expect(r.simulation.compensation).toEqual({ ran: ["Shop.Reserve"], failed: [] });
  });

  it("reports every difference between the path and what the machine did", async () => {
    const wrong = { ...failing, status: "done" as const, events: failing.events.filter((e) => e.kind !== "compensated") };
    const r = await replay(wf, projection, wrong);
    expect(r.mismatches).toEqual(["the run ended failed at Shop.Pay (logic), but the path ends done", "compensations should have been [], were [Shop.Reserve: ok]"]);
    expect(replayViolations(projection.structure, wrong, r).map((v) => v.invariant)).toEqual(["matches-machine", "matches-machine"]);
  });
});

describe("the invariants checked on a replayed run", () => {
  const wf = workflow("Two", sequence("Two", [pass("A", { retry: { maxRetries: 1 } }), pass("B")]));
  const projection = project(wf);
  const path = paths(wf)[0]!;
  const simulation = (trace: Simulation["trace"], status: Simulation["status"], step = "Two.A"): Simulation => ({
    status,
    ...(status === "failed" ? { error: { step, category: "logic" as const, code: "logic_error", message: "x" } } : {}),
    compensation: { ran: [], failed: [] },
    trace,
    steps: [],
    delays: [],
    elapsedMs: 0,
  });

  it("reports a step that ran after the failure that ended the run", () => {
    const sim = simulation(
      [
        { kind: "step", path: "Two.A", attempt: 1, at: 0, outcome: "failed", category: "logic" },
        { kind: "step", path: "Two.B", attempt: 1, at: 0, outcome: "ok" },
      ],
      "failed",
    );
    const found = replayViolations(projection.structure, path, { simulation: sim, mismatches: [] });
    expect(found).toEqual([{ invariant: "no-step-after-failure", path: path.description, message: '"Two.B" ran after "Two.A" failed the run' }]);
  });

  it("reports a step retried beyond its limit", () => {
    const sim = simulation([1, 2, 3].map((attempt) => ({ kind: "step" as const, path: "Two.A", attempt, at: 0, outcome: "ok" as const })), "done");
    const found = replayViolations(projection.structure, path, { simulation: sim, mismatches: [] });
    expect(found).toEqual([{ invariant: "retries-bounded", path: path.description, message: '"Two.A" ran attempt 3, beyond its limit of 2' }]);
  });

  it("reports a run that never ended", () => {
    const found = replayViolations(projection.structure, path, { simulation: simulation([], "stuck"), mismatches: [] });
    expect(found.map((v) => v.invariant)).toEqual(["terminates"]);
  });
});

describe("the static checks on a projection that can get stuck or loop", () => {
  // Hand-built projections: no builder yields them, but a construct added later might.
  const handBuilt = (states: Record<string, object>, events: ProjectedEvent[]): Projection => ({
    machine: createMachine({ id: "P", initial: "a", states: { ...states, $done: { type: "final" } } }),
    events: new Map(events.map((e) => [e.type, e])),
    offered: (snapshot: any) => events.filter((e) => snapshot.can({ type: e.type })),
    structure: { waits: [], chooses: [], retries: [], compensables: [], sagas: [], parallels: [], unsupported: [] },
  });
  const event = (type: string, external = false): ProjectedEvent => ({ type, kind: "timer", path: "a", external });
  const dummy = workflow("Dummy", pass("Dummy"));
  const violationsOf = (projection: Projection) => {
    const graph = graphOf(projection);
    return staticViolations(dummy, graph, pathsOf(graph));
  };

  it("reports a state from which the run can never end, with the path to it", () => {
    const found = violationsOf(handBuilt({ a: { on: { "go astray": "dead", finish: "$done" } }, dead: {} }, [event("go astray"), event("finish")]));
    expect(found).toEqual([{ invariant: "terminates", path: "go astray → stuck", message: 'The run can get stuck in "dead": nothing leads from there to its end' }]);
  });

  it("reports a loop that needs nothing from outside, and accepts one that waits for an answer", () => {
    const loop = (external: boolean) => handBuilt({ a: { on: { again: "b", finish: "$done" } }, b: { on: { back: "a" } } }, [event("again"), event("back", external), event("finish")]);
    expect(violationsOf(loop(false))).toEqual([{ invariant: "retries-bounded", path: "loops on again → back", message: "The run can loop forever without anything from outside" }]);
    expect(violationsOf(loop(true))).toEqual([]);
  });
});
