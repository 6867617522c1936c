// Hostile input at the boundaries of an in-memory run: whatever a caller sends
// is either taken or refused with a ValidationError; the run never breaks.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { run, start, step, ValidationError, waitFor, workflow } from "../../src/index.js";
import { flush } from "../support/gate.js";

const quiet = { log: () => undefined };

const anyValue = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  withUnicodeString: true,
  maxDepth: 4,
});

describe("hostile input", () => {
  it("refuses an input larger than maxPayloadBytes with payload_too_large, naming the size", () => {
    const echo = step("echo", (x: unknown) => x);
    const error: any = (() => {
      try {
        start(echo, { text: "é".repeat(600) }, { ...quiet, maxPayloadBytes: 1000 });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe("payload_too_large");
    expect(error.details).toMatchObject({ bytes: 1211, maxBytes: 1000 });
    expect(error.message).toMatch(/^Expected the input of "echo" to be at most 1000 bytes of JSON, got 1211/);
  });

  it("takes an input of exactly maxPayloadBytes", async () => {
    const input = { t: "x".repeat(92) }; // {"t":"…"} is 100 bytes
    expect(await run(step("echo", (x: unknown) => x), input, { ...quiet, maxPayloadBytes: 100 })).toEqual(input);
  });

  it("refuses an event payload over the limit (1 MiB by default) and keeps waiting", async () => {
    const handle = start(waitFor("Upload", "FILE"), {}, quiet);
    await flush();
    expect(() => handle.send({ type: "FILE", data: "x".repeat(1024 * 1024) })).toThrow(/at most 1048576 bytes of JSON/);
    expect(handle.waitingFor()).toEqual(["FILE"]);
    expect(handle.send({ type: "FILE", data: "small" })).toBe(true);
    expect(await handle.result).toEqual({ data: "small" });
  });

  it("either takes or refuses any run input with a ValidationError, and a taken one runs (property)", async () => {
    const echo = workflow("Echo", step("echo", (x: unknown) => x), { input: z.object({ n: z.number() }) });
    await fc.assert(
      fc.asyncProperty(anyValue, async (input) => {
        let handle;
        try {
          handle = start(echo, input as never, quiet);
        } catch (e) {
          expect(e).toBeInstanceOf(ValidationError);
          return;
        }
        const outcome = await handle.result.then(
          (v) => ({ ok: true, v }),
          (e) => ({ ok: false, e }),
        );
        if (!outcome.ok) expect((outcome as any).e.category).toBe("validation");
      }),
      { numRuns: 300 },
    );
  });

  it("keeps a waiting run intact whatever events it is sent, then finishes it with a good one (property)", async () => {
    const approval = workflow("Approve", waitFor("Decide", "DECIDE", { schema: z.object({ approved: z.boolean() }) }));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ type: fc.constantFrom("DECIDE", "OTHER", "xstate.init", "stepchart.cancel", "stepchart.retry", ""), payload: anyValue }), { maxLength: 8 }), async (events) => {
        const handle = start(approval, {}, quiet);
        await flush(1);
        for (const { type, payload } of events) {
          try {
            const taken = handle.send({ type, payload } as never);
            expect(taken).toBe(false); // no payload fits { approved: boolean }: { payload } has no `approved`
          } catch (e) {
            expect(e).toBeInstanceOf(ValidationError);
          }
        }
        expect(handle.waitingFor()).toEqual(["DECIDE"]);
        expect(handle.send({ type: "DECIDE", approved: true })).toBe(true);
        expect(await handle.result).toEqual({ approved: true });
      }),
      { numRuns: 150 },
    );
  });
});
