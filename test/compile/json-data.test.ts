import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { run, start, step, waitFor, ValidationError, LogicError } from "../../src/index.js";
import { findNotJson } from "../../src/compile/json-data.js";
import { flush } from "../support/gate.js";

const quiet = { log: () => undefined };

describe("JSON data at the boundaries", () => {
  it("accepts every JSON value (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(findNotJson(v)).toBeUndefined();
      }),
    );
  });

  it("finds a value JSON cannot hold wherever it is nested, and says where (property)", () => {
    const bad = fc.constantFrom<[unknown, string]>(
      [() => 1, "a function"],
      [10n, "a BigInt"],
      [Number.NaN, "NaN"],
      [Number.POSITIVE_INFINITY, "Infinity"],
      [new Date(0), "an instance of Date"],
      [new Map(), "an instance of Map"],
      [Symbol("s"), "a symbol"],
    );
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z]{1,5}$/), { minLength: 1, maxLength: 5 }), bad, ([...keys], [value, what]) => {
        let doc: unknown = value;
        for (const key of [...keys].reverse()) doc = { [key]: doc };
        expect(findNotJson(doc)).toEqual({ at: `$.${keys.join(".")}`, what });
      }),
    );
  });

  it("finds cycles and overly deep nesting", () => {
    const cyclic: Record<string, unknown> = { a: [1] };
    (cyclic.a as unknown[]).push(cyclic);
    expect(findNotJson(cyclic)).toEqual({ at: "$.a[1]", what: "a cycle (an object that contains itself)" });
    let deep: unknown = 1;
    for (let i = 0; i < 300; i++) deep = [deep];
    expect(findNotJson(deep)?.what).toBe("nesting deeper than 200 levels");
    const shared = { x: 1 };
    expect(findNotJson({ a: shared, b: shared })).toBeUndefined();
  });

  it("fails a step whose output is not JSON, naming the step and where", async () => {
    const error: any = await run(step("Timestamp", () => ({ at: new Date(0) })), null, quiet).catch((e) => e);
    expect(error.step).toBe("Timestamp");
    expect(error.cause).toBeInstanceOf(LogicError);
    expect(error.cause.code).toBe("output_not_json");
    expect(error.cause.message).toBe(
      'Step "Timestamp" returned an instance of Date at $.at; use plain data (objects, arrays, strings, finite numbers, booleans, null), e.g. a date as an ISO string',
    );
  });

  it("refuses a run input that is not JSON before anything runs", () => {
    let ran = false;
    const s = step("s", () => (ran = true));
    expect(() => start(s, { id: 1n } as never, quiet)).toThrow(ValidationError);
    expect(() => start(s, { id: 1n } as never, quiet)).toThrow('Expected the input of "s" to be JSON data, got a BigInt at $.id');
    expect(ran).toBe(false);
  });

  it("refuses an event payload that is not JSON, and keeps waiting", async () => {
    const handle = start(waitFor("W", "GO"), {}, quiet);
    await flush();
    expect(() => handle.send({ type: "GO", cb: () => 1 })).toThrow("Expected event GO to be JSON data, got a function at $.cb");
    expect(handle.waitingFor()).toEqual(["GO"]);
  });
});
