// Compile time: how long compile() takes for workflows of 10, 100 and 1,000
// nodes (a sequence of steps, and a mix of sequences, chooses and parallels).
import { choose, compile, parallel, sequence, step, workflow, type Flow } from "stepchart";
import { measure, type Stats } from "../measure.js";

function linear(nodes: number): Flow {
  return workflow(`L${nodes}`, sequence("main", Array.from({ length: nodes }, (_, i) => step(`s${i}`, (x: unknown) => x)) as [Flow, ...Flow[]]));
}

/** Blocks of 10 nodes: a sequence of 2 steps, a choose with 2 cases, a parallel of 3 steps. */
function mixed(nodes: number): Flow {
  const blocks = Array.from({ length: Math.max(1, Math.round(nodes / 10)) }, (_, b) =>
    sequence(`b${b}`, [
      step("a", (x: unknown) => x),
      step("b", (x: unknown) => x),
      choose("c", [{ when: () => true, then: step("yes", (x: unknown) => x) }], step("no", (x: unknown) => x)),
      parallel("p", [step("p1", (x: unknown) => x), step("p2", (x: unknown) => x), step("p3", (x: unknown) => x)]),
    ]),
  );
  return workflow(`M${nodes}`, sequence("main", blocks as [Flow, ...Flow[]]));
}

export async function compileTimes(): Promise<Record<string, Stats>> {
  const out: Record<string, Stats> = {};
  for (const nodes of [10, 100, 1000]) {
    for (const [kind, build] of [["sequence", linear], ["mixed", mixed]] as const) {
      out[`${kind} of ${nodes} nodes`] = await measure(
        async () => {
          const wf = build(nodes); // a new definition each round: compile() caches per definition
          const t = performance.now();
          compile(wf);
          return performance.now() - t;
        },
        { warmupRounds: 1, rounds: 5 },
      );
    }
  }
  return out;
}
