import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  DefinitionError,
  DependencyError,
  errorFromJSON,
  errorToJSON,
  InvalidRouteError,
  isStepchartError,
  LogicError,
  NoMatchingCaseError,
  ResourceError,
  TransientError,
  ValidationError,
  WorkflowFailed,
  toStepchartError,
} from "../src/errors.js";

const roundTrip = (e: Error) => errorFromJSON(JSON.parse(JSON.stringify(errorToJSON(e))));

describe("error categories", () => {
  it.each([
    [new TransientError("blip"), "transient", "transient", true],
    [new ValidationError("bad"), "validation", "validation_failed", false],
    [new ResourceError("full"), "resource", "resource_exhausted", true],
    [new DependencyError("down"), "dependency", "dependency_unavailable", true],
    [new LogicError("oops"), "logic", "logic_error", false],
  ] as const)("%s has category %s, code %s and retryable %s by default", (error, category, code, retryable) => {
    expect(error.category).toBe(category);
    expect(error.code).toBe(code);
    expect(error.retryable).toBe(retryable);
    expect(isStepchartError(error)).toBe(true);
  });

  it("lets retryable be overridden per error", () => {
    expect(new TransientError("x", { retryable: false }).retryable).toBe(false);
    expect(new LogicError("x", { retryable: true }).retryable).toBe(true);
  });

  it("refuses a code that is not snake_case", () => {
    expect(() => new LogicError("x", { code: "BadCode" })).toThrow('Expected an error code in snake_case, got "BadCode"');
  });

  it("keeps the cause it was given", () => {
    const cause = new Error("socket hang up");
    expect(new DependencyError("lab-api is down", { cause }).cause).toBe(cause);
  });

  it("names a timeout TransientError with code timeout and its limit", () => {
    const e = TransientError.timeout('step "Fetch"', 1500);
    expect(e.code).toBe("timeout");
    expect(e.message).toBe('step "Fetch" did not finish within 1500ms');
    expect(e.details.timeoutMs).toBe(1500);
  });

  it("lists every validation issue with its path", () => {
    const e = ValidationError.fromIssues("order", [
      { code: "too_small", path: ["qty"], message: "Expected qty to be >= 1, got 0" },
      { code: "invalid_type", path: ["lines", 2, "sku"], message: "Expected a string, got undefined" },
    ]);
    expect(e.issues).toHaveLength(2);
    expect(e.message).toContain("qty: Expected qty to be >= 1, got 0");
    expect(e.message).toContain("lines.2.sku: Expected a string, got undefined");
  });

  it("carries retryAfterMs on a ResourceError", () => {
    expect(new ResourceError("429", { retryAfterMs: 2000 }).retryAfterMs).toBe(2000);
  });
});

describe("toStepchartError", () => {
  it("turns a plain Error into a logic error that keeps its message and cause", () => {
    const plain = new Error("undefined is not a function");
    const e = toStepchartError(plain);
    expect(e).toBeInstanceOf(LogicError);
    expect(e.category).toBe("logic");
    expect(e.code).toBe("unexpected_error");
    expect(e.message).toBe("undefined is not a function");
    expect(e.cause).toBe(plain);
  });

  it("returns stepchart errors unchanged", () => {
    const e = new TransientError("blip");
    expect(toStepchartError(e)).toBe(e);
  });

  it("turns a thrown string into a logic error that describes it", () => {
    const e = toStepchartError("nope", 'step "A"');
    expect(e.code).toBe("non_error_thrown");
    expect(e.message).toBe('step "A" threw a non-Error value ("nope"); throw an Error or a stepchart error class instead');
  });

  it("turns a ZodError into a validation error with every issue", () => {
    const result = z.object({ a: z.string(), b: z.number() }).safeParse({ a: 1, b: "x" });
    const e = toStepchartError(result.error, "payload");
    expect(e).toBeInstanceOf(ValidationError);
    expect((e as ValidationError).issues.map((i) => i.path)).toEqual([["a"], ["b"]]);
  });
});

describe("the JSON form of errors", () => {
  it("survives a round trip with class, category, code, retryable, details and cause", () => {
    const original = new ResourceError("quota", {
      code: "quota_exceeded",
      retryAfterMs: 500,
      retryable: false,
      cause: new DependencyError("db down", { cause: new Error("ECONNREFUSED") }),
    });
    const back = roundTrip(original) as ResourceError;
    expect(back).toBeInstanceOf(ResourceError);
    expect(isStepchartError(back)).toBe(true);
    expect(back.category).toBe("resource");
    expect(back.code).toBe("quota_exceeded");
    expect(back.retryable).toBe(false);
    expect(back.retryAfterMs).toBe(500);
    expect((back.cause as DependencyError).category).toBe("dependency");
    expect(((back.cause as Error).cause as Error).message).toBe("ECONNREFUSED");
  });

  it("rebuilds the specific classes of choose and route failures", () => {
    expect(roundTrip(new NoMatchingCaseError("none"))).toBeInstanceOf(NoMatchingCaseError);
    expect(roundTrip(new InvalidRouteError("bad"))).toBeInstanceOf(InvalidRouteError);
    expect(roundTrip(new DefinitionError("bad"))).toBeInstanceOf(DefinitionError);
  });

  it("rebuilds WorkflowFailed with its step, category and compensation report", () => {
    const failed = new WorkflowFailed({
      workflow: "Booking",
      runId: "r1",
      step: "Booking.Charge",
      cause: new TransientError("card api timeout"),
      compensation: { ran: ["Booking.Reserve"], failed: [] },
    });
    const back = roundTrip(failed) as WorkflowFailed;
    expect(back).toBeInstanceOf(WorkflowFailed);
    expect(back.step).toBe("Booking.Charge");
    expect(back.category).toBe("transient");
    expect(back.compensation).toEqual({ ran: ["Booking.Reserve"], failed: [] });
    expect(back.message).toBe(failed.message);
  });

  it("keeps category and code for any error of any class (property)", () => {
    const classes = [TransientError, ValidationError, ResourceError, DependencyError, LogicError] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...classes),
        fc.string(),
        fc.stringMatching(/^[a-z][a-z0-9]{0,8}(_[a-z0-9]{1,5}){0,3}$/),
        fc.option(fc.boolean(), { nil: undefined }),
        (Cls, message, code, retryable) => {
          const e = new Cls(message, { code, ...(retryable === undefined ? {} : { retryable }) });
          const back = roundTrip(e);
          expect(back).toBeInstanceOf(Cls);
          expect(back.message).toBe(message);
          expect((back as LogicError).code).toBe(code);
          expect((back as LogicError).retryable).toBe(e.retryable);
        },
      ),
    );
  });

  it("turns non-stepchart errors into plain errors with the same name and message", () => {
    const back = roundTrip(new TypeError("x is not a function"));
    expect(back.name).toBe("TypeError");
    expect(back.message).toBe("x is not a function");
    expect(isStepchartError(back)).toBe(false);
  });
});
