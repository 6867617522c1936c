import { describe, expect, it } from "vitest";
import { run, start } from "../../src/index.js";
import { TestClock } from "../../src/testing/index.js";
import { approvalRouting } from "../../machines/approval-routing.js";

const quiet = { log: () => undefined };
const HOUR = 3_600_000;

describe("approval routing", () => {
  it("approves automatically at confidence 0.9 and above", async () => {
    expect(await run(approvalRouting, { id: "i-1", kind: "invoice", confidence: 0.93, fields: {} }, quiet)).toMatchObject({ decision: "approved", by: "auto" });
  });

  it("sends 0.7 to 0.9 for review and waits for the reviewer's decision", async () => {
    const clock = new TestClock();
    const handle = start(approvalRouting, { id: "c-1", kind: "contract", confidence: 0.8, fields: {} }, { ...quiet, clock });
    await clock.advance(HOUR);
    expect(handle.waitingFor()).toEqual(["DECIDE"]);
    handle.send({ type: "DECIDE", approved: false, by: "legal-1", note: "missing signature" });
    expect(await handle.result).toMatchObject({ decision: "rejected", by: "legal-1", reviewer: "legal-1", note: "missing signature" });
  });

  it("escalates a review nobody decides within 24 hours", async () => {
    const clock = new TestClock();
    const handle = start(approvalRouting, { id: "c-2", kind: "contract", confidence: 0.75, fields: {} }, { ...quiet, clock });
    await clock.advance(24 * HOUR);
    expect(await handle.result).toMatchObject({ decision: "needs-human", by: "timeout" });
  });

  it("flags low confidence for manual review, gathers what is there and reassesses", async () => {
    const complete = await run(approvalRouting, { id: "e-1", kind: "expense", confidence: 0.5, fields: { employee: "ada", receipt: "r-17", project: "x" } }, quiet);
    expect(complete).toMatchObject({ decision: "needs-human", missing: [], confidence: 0.8 });
    const thin = await run(approvalRouting, { id: "e-2", kind: "expense", confidence: 0.4, fields: {} }, quiet);
    expect(thin).toMatchObject({ decision: "rejected", missing: ["employee", "receipt"], confidence: 0.1 });
  });

  it("rejects an input that does not fit the item schema", async () => {
    const error: any = await run(approvalRouting, { id: "x", kind: "poem", confidence: 2 } as never, quiet).catch((e) => e);
    expect(error.category).toBe("validation");
    expect(error.cause.issues.map((i: any) => i.path)).toEqual([["kind"], ["confidence"]]);
  });
});
