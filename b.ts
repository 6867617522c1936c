import { map, run, step, workflow } from "stepchart";
const work = async (x: number) => x + 1;
const items = workflow("S2map", map("fan", step("work", work), { items: () => Array.from({ length: 100 }, (_, i) => i), maxConcurrency: 10 }));
for (let r = 0; r < 300; r++) await run(items, 0, { log: () => undefined });
const t = performance.now(); for (let r = 0; r < 300; r++) await run(items, 0, { log: () => undefined }); console.log(((performance.now() - t) * 1000 / 300 / 100).toFixed(1), "µs per item");
