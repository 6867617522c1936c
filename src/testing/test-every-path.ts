// testEveryPath(): one test case per path of a workflow, for any test runner
// with an `it(name, fn)` (vitest, node:test, jest); the runner is passed in so
// that stepchart/testing does not depend on one. Each case replays its path
// on the real compiled machine and fails with the violations it finds; one
// more case checks the static invariants. The coverage of all the replays is
// available once the cases have run.
import type { Flow } from "../dsl/flow.js";
import { asWorkflow } from "../compile/compile.js";
import { graphOf, pathsOf } from "./paths.js";
import { project } from "./projection.js";
import { replay } from "./replay.js";
import { formatViolations, replayViolations, staticViolations, type CheckOptions } from "./invariants.js";
import { coverageOf, type CoverageReport } from "./coverage.js";
import type { Simulation } from "./simulate.js";

/** The `it` (or `test`) of your test runner. */
export type TestFunction = (name: string, fn: () => Promise<void>) => unknown;

export interface EveryPathTests {
  /** How many path cases were declared. */
  readonly count: number;
  /** The states and transitions of the compiled machine the cases that ran went through. */
  coverage(): CoverageReport;
}

/**
 * Declares one test case per path of `workflow` (named by the path's
 * description) plus one for the static invariants.
 *
 * **Gotchas**: call it while your runner collects tests (at the top of a
 * `describe`), not inside a test.
 * @example
 * describe("booking", () => {
 *   const cases = testEveryPath(booking, it, { compensable: ["ReserveFlight"] });
 *   afterAll(() => expect(cases.coverage().states.missed).toEqual([]));
 * });
 */
export function testEveryPath(workflow: Flow, it: TestFunction, options: CheckOptions = {}): EveryPathTests {
  const projection = project(asWorkflow(workflow), options);
  const graph = graphOf(projection);
  const list = pathsOf(graph, options);
  const simulations: Simulation[] = [];
  it(`keeps the static invariants on all ${list.length} paths (waits time out, loops are bounded, chooses cover their input, compensations can run)`, async () => {
    const violations = staticViolations(workflow, graph, list, options);
    if (violations.length > 0) throw new Error(formatViolations(violations));
  });
  for (const path of list) {
    it(path.description, async () => {
      const r = await replay(workflow, projection, path, { ...("input" in options ? { input: options.input } : {}), recordCoverage: true });
      simulations.push(r.simulation);
      const violations = replayViolations(projection.structure, path, r);
      if (violations.length > 0) throw new Error(formatViolations(violations));
    });
  }
  return { count: list.length, coverage: () => coverageOf(workflow, simulations) };
}
