import { compensate, saga, step, run, workflow, waitFor, sleep, start, LogicError, map } from "stepchart";
import { TestClock } from "./src/testing/index.js";
import { z } from "zod";
const log: string[] = [];
const s = (n: string, fail = false) => compensate(step(n, (x: number) => { log.push(n); if (fail) throw new LogicError("boom " + n); return x + 1; }), (out: number) => { log.push("undo " + n + " " + out); });
const wf = workflow("B", saga("Booking", [s("flight"), s("hotel"), s("charge", true)]));
await run(wf, 0, { log: () => {} }).catch((e) => console.log(e.step, e.category, e.compensation));
console.log(log);
const clock = new TestClock();
const w = workflow("A", waitFor("Approve", "APPROVE", { timeout: "48h", schema: z.object({ by: z.string() }) }));
const h = start(w, { doc: 1 }, { clock, log: (e) => console.log("LOG", e.message) });
await clock.advance(1000);
console.log(h.waitingFor(), h.send({ type: "NOPE" }));
try { h.send({ type: "APPROVE", by: 5 }); } catch (e: any) { console.log("rejected", e.message); }
console.log(h.send({ type: "APPROVE", by: "dr" }), await h.result);
const m = workflow("M", saga("S", [map("items", compensate(step("res", (x: number) => x * 10), (o: number) => { log.push("undo item " + o); }), { items: () => [1, 2, 3] }), step("boom", () => { throw new Error("x"); })]));
log.length = 0;
await run(m, null, { log: () => {} }).catch((e) => console.log(e.step, e.compensation));
console.log(log);
