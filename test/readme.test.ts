// The README's quick start, as written there.
import { createActor } from "xstate";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { choose, compile, run, sequence, step, workflow, WorkflowFailed } from "../src/index.js";

const Ticket = z.object({ id: z.string(), text: z.string() });
const score = step("Score", (t: z.infer<typeof Ticket>) => ({ ...t, urgent: /down|outage/i.test(t.text) }));
const page = step("PageOnCall", async (t: { id: string }) => ({ id: t.id, action: "paged" }));
const queue = step("Queue", async (t: { id: string }) => ({ id: t.id, action: "queued" }));
const triage = workflow(
  "Triage",
  sequence("Triage", [score, choose("Urgency", [{ when: (t: { urgent: boolean }) => t.urgent, then: page, label: "urgent" }], queue)]),
  { input: Ticket },
);

describe("the README quick start", () => {
  it("pages on an outage and queues the rest", async () => {
    expect(await run(triage, { id: "T-1", text: "API is down" })).toEqual({ id: "T-1", action: "paged" });
    expect(await run(triage, { id: "T-2", text: "typo" })).toEqual({ id: "T-2", action: "queued" });
  });

  it("fails a bad input at the workflow with a validation error listing 2 issues", async () => {
    const e = await run(triage, { id: 1 } as never).catch((x) => x);
    expect(e).toBeInstanceOf(WorkflowFailed);
    expect([e.step, e.category]).toEqual(["Triage", "validation"]);
    expect(e.cause.message).toContain('Invalid input of workflow "Triage": 2 issue(s)');
  });

  it("compiles to a machine that runs with createActor", async () => {
    const actor = createActor(compile(triage), { input: { id: "T-2", text: "typo on page" } });
    const done = new Promise((resolve) => actor.subscribe({ complete: () => resolve(actor.getSnapshot().output) }));
    actor.start();
    expect(await done).toEqual({ id: "T-2", action: "queued" });
  });
});
