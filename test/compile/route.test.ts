import { describe, expect, it } from "vitest";
import { compile, InvalidRouteError, route, run, step, workflow } from "../../src/index.js";

const billing = step("billing", (t: { text: string }) => `billing: ${t.text}`);
const support = step("support", (t: { text: string }) => `support: ${t.text}`);

describe("route compiles to an invoked chooser followed by guarded transitions", () => {
  const wf = workflow("W", route("Triage", { routes: { billing, support }, choose: (t: { text: string }) => (t.text.includes("$") ? "billing" : "support") }));
  const triage = (compile(wf).config as any).states.Triage;

  it("dispatches the chooser in $choose and picks a route by guards on its done event", () => {
    expect(triage.initial).toBe("$choose");
    expect(triage.states.$choose.entry).toEqual({ type: "stepchart.dispatch", params: { key: "Triage.$choose" } });
    const onDone = triage.states.$choose.on["stepchart.done.Triage.$choose"];
    expect(onDone.map((t: any) => [t.guard, t.target])).toEqual([
      ["Triage: chose billing", "billing"],
      ["Triage: chose support", "support"],
      [undefined, "#W.$failed"],
    ]);
  });

  it("runs the chosen route", async () => {
    expect(await run(wf, { text: "refund $20" })).toBe("billing: refund $20");
    expect(await run(wf, { text: "my app crashes" })).toBe("support: my app crashes");
  });

  it("records the decision in the context", async () => {
    const snapshots: any[] = [];
    await run(wf, { text: "$" }, { inspect: (e) => e.type === "@xstate.snapshot" && snapshots.push((e as any).snapshot) });
    expect(snapshots.at(-1).context.sel).toEqual({ Triage: "billing" });
  });
});

describe("route at run time", () => {
  it("awaits an async chooser, which receives the step context and the route names", async () => {
    const seen: unknown[] = [];
    const wf = workflow("W", route("R", { routes: { billing, support }, choose: async (_t, ctx, routes) => (seen.push(ctx.path, routes), "support") }));
    expect(await run(wf, { text: "hi" })).toBe("support: hi");
    expect(seen).toEqual(["R", ["billing", "support"]]);
  });

  it("takes the fallback when the chooser names an unknown route", async () => {
    const wf = workflow("W", route("R", { routes: { billing, support }, choose: () => "sales", fallback: "support" }));
    expect(await run(wf, { text: "hi" })).toBe("support: hi");
  });

  it("fails with InvalidRouteError naming the choice and the routes when there is no fallback", async () => {
    const wf = workflow("W", route("R", { routes: { billing, support }, choose: () => "sales" }));
    const error = await run(wf, { text: "hi" }).catch((e) => e);
    expect(error.step).toBe("R");
    expect(error.cause).toBeInstanceOf(InvalidRouteError);
    expect(error.cause.message).toBe('Route "R" chose "sales", which is not one of "billing", "support"; return one of them or set `fallback`');
  });

  it("treats a chooser that returns no string as an invalid route", async () => {
    const wf = workflow("W", route("R", { routes: { billing }, choose: () => 42 as never }));
    const error = await run(wf, { text: "hi" }).catch((e) => e);
    expect(error.cause.message).toBe('Route "R" chose a number instead of a route name, which is not one of "billing"; return one of them or set `fallback`');
  });

  it("fails at the route with the chooser's own error when the chooser throws", async () => {
    const wf = workflow("W", route("R", { routes: { billing }, choose: async () => { throw new Error("LLM unreachable"); } }));
    const error = await run(wf, { text: "hi" }).catch((e) => e);
    expect(error.step).toBe("R");
    expect(error.cause.message).toBe("LLM unreachable");
  });
});
