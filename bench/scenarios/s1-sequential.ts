// S1 sequential: a 10-step workflow of trivial async steps, run back to back.
// stepchart against plain async/await (the floor) and a hand-written XState
// machine with one invoked promise actor per step (idiomatic XState).
import { assign, createActor, fromPromise, setup, toPromise, type AnyStateMachine } from "xstate";
import { run, sequence, step, workflow } from "stepchart";
import { measure, microsSince, type Stats } from "../measure.js";

const STEPS = 10;
const RUNS = 2000;

const work = async (x: number) => x + 1;

function stepchartWorkflow() {
  return workflow("S1", sequence("steps", Array.from({ length: STEPS }, (_, i) => step(`step${i}`, work)) as [any, ...any[]]));
}

export function handWrittenMachine(steps: number): AnyStateMachine {
  const states: Record<string, object> = {};
  for (let i = 0; i < steps; i++) {
    states[`s${i}`] = {
      invoke: {
        src: "work",
        input: ({ context }: { context: { value: number } }) => context.value,
        onDone: { target: i + 1 < steps ? `s${i + 1}` : "done", actions: "store" },
      },
    };
  }
  states.done = { type: "final" };
  return setup({
    actors: { work: fromPromise(({ input }: { input: number }) => work(input)) },
    actions: { store: assign({ value: ({ event }: any) => event.output }) },
  }).createMachine({
    context: ({ input }: { input: number }) => ({ value: input }),
    initial: "s0",
    states,
    output: ({ context }: { context: { value: number } }) => context.value,
  } as any);
}

async function plain(x: number): Promise<number> {
  for (let i = 0; i < STEPS; i++) x = await work(x);
  return x;
}

async function timeRuns(once: () => Promise<number>): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < RUNS; i++) {
    const out = await once();
    if (out !== STEPS) throw new Error(`Expected output ${STEPS}, got ${out}`);
  }
  return microsSince(t) / RUNS;
}

export interface S1Result {
  perWorkflowUs: { plain: Stats; xstate: Stats; stepchart: Stats };
}

/** Microseconds per workflow for each contender. */
export async function s1(): Promise<S1Result> {
  const wf = stepchartWorkflow();
  const machine = handWrittenMachine(STEPS);
  const silent = { log: () => undefined };
  return {
    perWorkflowUs: {
      plain: await measure(() => timeRuns(() => plain(0))),
      xstate: await measure(() => timeRuns(() => toPromise(createActor(machine, { input: 0 }).start()))),
      stepchart: await measure(() => timeRuns(() => run(wf, 0, silent) as Promise<number>)),
    },
  };
}

export const S1_STEPS = STEPS;
export const S1_RUNS = RUNS;
