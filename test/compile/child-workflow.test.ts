import { describe, expect, it } from "vitest";
import { compensate, compile, LogicError, run, saga, sequence, step, workflow } from "../../src/index.js";

const quiet = { log: () => undefined };

describe("a workflow used as a step of another", () => {
  const charge = workflow("Charge", sequence("ChargeSteps", [step("authorize", (x: { amount: number }) => ({ ...x, auth: "A1" })), step("capture", (x: { auth: string }) => ({ ...x, captured: true }))]));

  it("compiles to an invoked child machine registered by name", () => {
    const parent = compile(workflow("Order", sequence("Order", [step("price", (x: number) => ({ amount: x })), charge])));
    const state = (parent.config as any).states.Order.states.Charge;
    expect(state.invoke.src).toBe("stepchart.workflow Order.Charge");
    expect(parent.implementations.actors["stepchart.workflow Order.Charge"]).toBeDefined();
  });

  it("hands the child's output on as the step's output", async () => {
    const parent = workflow("Order", sequence("Order", [step("price", (x: number) => ({ amount: x })), charge, step("done", (x: { captured: boolean }) => x.captured)]));
    expect(await run(parent, 10, quiet)).toBe(true);
  });

  it("fails the parent step with the child's failure and its path inside the child", async () => {
    const failing = workflow("Charge", sequence("ChargeSteps", [step("authorize", () => {
      throw new LogicError("card blocked");
    })]));
    const error: any = await run(workflow("Order", sequence("Order", [failing])), 1, quiet).catch((e) => e);
    expect(error.step).toBe("Order.Charge.ChargeSteps.authorize");
    expect(error.cause.message).toBe("card blocked");
  });

  it("validates the child's input with the child's schema", async () => {
    const { z } = await import("zod");
    const strict = workflow("Strict", step("s", (x: number) => x), { input: z.number() });
    const error: any = await run(workflow("P", sequence("P", [step("bad", () => "nope"), strict])), null, quiet).catch((e) => e);
    expect(error.category).toBe("validation");
    expect(error.step).toBe("P.Strict.Strict");
  });

  it("joins the child's compensation report to the parent's", async () => {
    const undone: string[] = [];
    const child = workflow("Child", saga("ChildSaga", [compensate(step("a", (x: number) => x), () => void undone.push("a")), step("b", () => {
      throw new LogicError("x");
    })]));
    const error: any = await run(workflow("P", sequence("P", [child])), 1, quiet).catch((e) => e);
    expect(undone).toEqual(["a"]);
    expect(error.compensation).toEqual({ ran: ["P.Child.ChildSaga.a"], failed: [] });
  });

  it("lets the parent saga compensate the steps a completed child left on its stack", async () => {
    const undone: string[] = [];
    const child = workflow("Reserve", compensate(step("seat", (x: number) => x + 100), (o: number) => void undone.push(`seat ${o}`)));
    const parent = saga("Trip", [child, step("pay", () => {
      throw new LogicError("declined");
    })]);
    const error: any = await run(parent, 1, quiet).catch((e) => e);
    expect(undone).toEqual(["seat 101"]);
    expect(error.compensation.ran).toEqual(["Trip.Reserve.seat"]);
  });
});
