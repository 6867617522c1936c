import { choose, parallel, run, step, workflow } from "stepchart";
const c = (n: string) => choose(n, [{ when: (x: number) => x > 0, then: step("a", (x: number) => x) }]);
const wf = workflow("W", parallel("root", [c("p0"), c("p1"), step("p2", (x: number) => x)]));
await run(wf, 0, { log: () => {} }).then(console.log, (e) => { console.log(e.name, e.message, e.cause?.message, e.cause?.cause?.message); console.log(e.cause?.stack?.split("\n").slice(0, 8).join("\n")); });
