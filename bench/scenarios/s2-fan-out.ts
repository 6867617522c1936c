// S2 fan-out: 100 branches, at most 10 at once, each step waiting 1 ms on a
// real timer. The floor is 10 waves of 1 ms; contenders: plain async code
// with a hand-written limit, p-limit, stepchart's parallel (one XState region
// per branch) and stepchart's map (a window of child actors).
import pLimit from "p-limit";
import { map, parallel, run, step, workflow } from "stepchart";
import { measure, type Stats } from "../measure.js";

export const S2_BRANCHES = 100;
export const S2_LIMIT = 10;

const sleep1ms = () => new Promise<void>((resolve) => setTimeout(resolve, 1));
const work = async (x: number) => {
  await sleep1ms();
  return x + 1;
};

async function plain(): Promise<number[]> {
  const results: number[] = new Array(S2_BRANCHES);
  let next = 0;
  const worker = async () => {
    while (next < S2_BRANCHES) {
      const i = next++;
      results[i] = await work(i);
    }
  };
  await Promise.all(Array.from({ length: S2_LIMIT }, worker));
  return results;
}

async function withPLimit(): Promise<number[]> {
  const limit = pLimit(S2_LIMIT);
  return Promise.all(Array.from({ length: S2_BRANCHES }, (_, i) => limit(() => work(i))));
}

async function wall(once: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await once();
  return performance.now() - t;
}

export interface S2Result {
  wallMs: { floor: number; plain: Stats; pLimit: Stats; parallel: Stats; map: Stats };
}

export async function s2(): Promise<S2Result> {
  const branches = Array.from({ length: S2_BRANCHES }, (_, i) => step(`b${i}`, (x: number) => work(x + i)));
  const fanOut = workflow("S2", parallel("fan", branches as any, { maxConcurrency: S2_LIMIT }));
  const items = workflow("S2map", map("fan", step("work", work), { items: () => Array.from({ length: S2_BRANCHES }, (_, i) => i), maxConcurrency: S2_LIMIT }));
  const silent = { log: () => undefined };
  const rounds = { warmupRounds: 2, rounds: 9 };
  return {
    wallMs: {
      floor: S2_BRANCHES / S2_LIMIT,
      plain: await measure(() => wall(plain), rounds),
      pLimit: await measure(() => wall(withPLimit), rounds),
      parallel: await measure(() => wall(() => run(fanOut, 0, silent)), rounds),
      map: await measure(() => wall(() => run(items, 0, silent)), rounds),
    },
  };
}
