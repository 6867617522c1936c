// S3 throughput and memory: 10,000 ten-step workflows in flight at once.
// Total time and peak heap per workflow, for plain async, a hand-written
// XState machine (an invoked promise actor per step) and stepchart.
import { createActor, toPromise, type AnyStateMachine } from "xstate";
import { run, sequence, step, workflow, type Flow } from "stepchart";
import { handWrittenMachine } from "./s1-sequential.js";

export const S3_RUNS = 10_000;
const STEPS = 10;
const work = async (x: number) => x + 1;

export interface S3Figures {
  totalMs: number;
  peakHeapBytesPerRun: number;
}

async function measureConcurrent(once: () => Promise<unknown>): Promise<S3Figures> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  await new Promise((resolve) => setTimeout(resolve, 20));
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
  const t = performance.now();
  const all: Promise<unknown>[] = new Array(S3_RUNS);
  for (let i = 0; i < S3_RUNS; i++) {
    all[i] = once();
    if (i % 1000 === 999) peak = Math.max(peak, process.memoryUsage().heapUsed);
  }
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  await Promise.all(all);
  const totalMs = performance.now() - t;
  clearInterval(sampler);
  return { totalMs, peakHeapBytesPerRun: (peak - base) / S3_RUNS };
}

async function plain(x: number) {
  for (let i = 0; i < STEPS; i++) x = await work(x);
  return x;
}

export async function s3(): Promise<{ plain: S3Figures; xstate: S3Figures; stepchart: S3Figures }> {
  const machine: AnyStateMachine = handWrittenMachine(STEPS);
  const wf = workflow("S3", sequence("steps", Array.from({ length: STEPS }, (_, i) => step(`step${i}`, work)) as [Flow, ...Flow[]]));
  const silent = { log: () => undefined };
  // one warm-up round each, at a tenth of the size
  for (let i = 0; i < S3_RUNS / 10; i++) {
    await plain(0);
    await toPromise(createActor(machine, { input: 0 }).start());
    await run(wf, 0, silent);
  }
  return {
    plain: await measureConcurrent(() => plain(0)),
    xstate: await measureConcurrent(() => toPromise(createActor(machine, { input: 0 }).start())),
    stepchart: await measureConcurrent(() => run(wf, 0, silent)),
  };
}
