// S4 retry and S5 saga: what the machinery costs beyond the work itself.
// S4: a step that fails twice with a transient error and then succeeds, with
// zero backoff (so no time is spent sleeping). S5: a five-step saga whose last
// step fails, so the four before it are compensated, newest first.
import { assign, createActor, fromPromise, setup, toPromise, type AnyStateMachine } from "xstate";
import { compensate, LogicError, retry, run, saga, step, TransientError, type Flow } from "stepchart";
import { measure, microsSince, type Stats } from "../measure.js";

const RUNS = 2000;

async function perWorkflowUs(once: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < RUNS; i++) await once();
  return microsSince(t) / RUNS;
}

// ---- S4
function flakyOnce() {
  let calls = 0;
  return async (x: number) => {
    if (++calls % 3 !== 0) throw new TransientError("blip");
    return x + 1;
  };
}

/** Retries at once (zero backoff, like the stepchart contender): the cost of a retry loop and nothing else. */
async function plainRetry(fn: (x: number) => Promise<number>, x: number): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(x);
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
}

export async function s4(): Promise<{ plain: Stats; stepchart: Stats }> {
  const fn = flakyOnce();
  const wf = retry(step("flaky", fn), { maxRetries: 3, initialDelay: 0 });
  const silent = { log: () => undefined };
  return {
    plain: await measure(() => perWorkflowUs(() => plainRetry(fn, 0))),
    stepchart: await measure(() => perWorkflowUs(() => run(wf, 0, silent))),
  };
}

// ---- S5
const SAGA_STEPS = 5;

async function plainSaga(x: number): Promise<void> {
  const done: number[] = [];
  try {
    for (let i = 0; i < SAGA_STEPS; i++) {
      if (i === SAGA_STEPS - 1) throw new LogicError("declined");
      done.push(await (async (v: number) => v + i)(x));
    }
  } catch {
    for (const output of done.reverse()) await (async (o: number) => o)(output);
  }
}

/** A hand-written XState saga: invoked actors for the steps and, on failure, for each compensation in reverse. */
function handWrittenSaga(): AnyStateMachine {
  const states: Record<string, object> = {};
  for (let i = 0; i < SAGA_STEPS; i++) {
    states[`s${i}`] = {
      invoke: {
        src: i === SAGA_STEPS - 1 ? "fail" : "work",
        input: ({ context }: any) => context.value,
        onDone: { target: i + 1 < SAGA_STEPS ? `s${i + 1}` : "done", actions: "push" },
        onError: "compensating",
      },
    };
  }
  states.compensating = {
    always: [{ guard: ({ context }: any) => context.stack.length === 0, target: "failed" }],
    invoke: { src: "undo", input: ({ context }: any) => context.stack.at(-1), onDone: { target: "compensating", reenter: true, actions: "pop" } },
  };
  states.done = { type: "final" };
  states.failed = { type: "final" };
  return setup({
    actors: {
      work: fromPromise(async ({ input }: { input: number }) => input + 1),
      fail: fromPromise(async () => {
        throw new LogicError("declined");
      }),
      undo: fromPromise(async ({ input }: { input: number }) => input),
    },
    actions: {
      push: assign({ stack: ({ context, event }: any) => [...context.stack, event.output], value: ({ event }: any) => event.output }),
      pop: assign({ stack: ({ context }: any) => context.stack.slice(0, -1) }),
    },
  }).createMachine({ context: ({ input }: any) => ({ value: input, stack: [] }), initial: "s0", states } as any);
}

export async function s5(): Promise<{ plain: Stats; xstate: Stats; stepchart: Stats }> {
  const flows: Flow[] = Array.from({ length: SAGA_STEPS - 1 }, (_, i) => compensate(step(`s${i}`, async (x: number) => x + 1), async () => undefined));
  flows.push(step("last", async () => {
    throw new LogicError("declined");
  }));
  const wf = saga("S5", flows as [Flow, ...Flow[]]);
  const machine = handWrittenSaga();
  const silent = { log: () => undefined };
  return {
    plain: await measure(() => perWorkflowUs(() => plainSaga(0))),
    xstate: await measure(() => perWorkflowUs(() => toPromise(createActor(machine, { input: 0 }).start()))),
    stepchart: await measure(() => perWorkflowUs(() => run(wf, 0, silent).catch(() => undefined))),
  };
}
