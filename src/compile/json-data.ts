// What may cross a step boundary: plain JSON data, because every value a run
// holds goes into its snapshot. Finds the first value JSON cannot hold (or
// would silently change): functions, symbols, BigInts, NaN and infinities,
// class instances (Date, Map, Buffer…), cycles, and nesting deeper than a limit.
// What comes from outside (run inputs, event payloads) also has a size limit.
import { ValidationError } from "../errors.js";

export interface NotJson {
  /** Where, as a JSON path: `$.lines[2].price`. */
  at: string;
  /** What was found there, in words. */
  what: string;
}

export const MAX_DEPTH = 200;

/** The first value in `value` that is not plain JSON data, if any. */
export function findNotJson(value: unknown, maxDepth = MAX_DEPTH): NotJson | undefined {
  const stack = new Set<object>();
  const visit = (v: unknown, at: string, depth: number): NotJson | undefined => {
    switch (typeof v) {
      case "string":
      case "boolean":
        return undefined;
      case "number":
        return Number.isFinite(v) ? undefined : { at, what: String(v) };
      case "undefined":
        return undefined; // dropped from objects by JSON, null in arrays: harmless
      case "function":
        return { at, what: "a function" };
      case "symbol":
        return { at, what: "a symbol" };
      case "bigint":
        return { at, what: "a BigInt" };
    }
    if (v === null) return undefined;
    const obj = v as object;
    if (depth > maxDepth) return { at, what: `nesting deeper than ${maxDepth} levels` };
    if (stack.has(obj)) return { at, what: "a cycle (an object that contains itself)" };
    const proto = Object.getPrototypeOf(obj);
    const isArray = Array.isArray(obj);
    if (!isArray && proto !== Object.prototype && proto !== null) {
      return { at, what: `an instance of ${(obj.constructor as { name?: string } | undefined)?.name || "a class"}` };
    }
    stack.add(obj);
    try {
      if (isArray) {
        const arr = obj as unknown[];
        for (let i = 0; i < arr.length; i++) {
          const found = visit(arr[i], `${at}[${i}]`, depth + 1);
          if (found) return found;
        }
      } else {
        for (const key of Object.keys(obj)) {
          const found = visit((obj as Record<string, unknown>)[key], /^[A-Za-z_$][\w$]*$/.test(key) ? `${at}.${key}` : `${at}[${JSON.stringify(key)}]`, depth + 1);
          if (found) return found;
        }
      }
    } finally {
      stack.delete(obj);
    }
    return undefined;
  };
  return visit(value, "$", 0);
}

/** "returned … at $.x: a Date; return plain data …": the advice that goes with every such error. */
export function describeNotJson(found: NotJson): string {
  return `${found.what} at ${found.at}; use plain data (objects, arrays, strings, finite numbers, booleans, null), e.g. a date as an ISO string`;
}

/** The largest run input or event payload taken by default: 1 MiB of JSON. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

/**
 * Throws a ValidationError unless `value` (a run input or an event, `what` in
 * messages) is JSON data of at most `maxBytes` bytes as UTF-8 JSON: coded
 * `notJsonCode` (with `details.at`) or `payload_too_large` (with `details.bytes`).
 */
export function assertPayload(value: unknown, what: string, notJsonCode: string, maxBytes = DEFAULT_MAX_PAYLOAD_BYTES): void {
  const notJson = findNotJson(value);
  if (notJson) {
    throw new ValidationError(`Expected ${what} to be JSON data, got ${describeNotJson(notJson)}`, { code: notJsonCode, details: { at: notJson.at } });
  }
  // A string longer than the limit cannot fit: refuse it before serializing it.
  const json = JSON.stringify(value) ?? "null";
  const bytes = json.length > maxBytes ? json.length : Buffer.byteLength(json, "utf8");
  if (bytes > maxBytes) {
    throw new ValidationError(`Expected ${what} to be at most ${maxBytes} bytes of JSON, got ${bytes}; pass large data by reference (a URL, a file path, a row id)`, {
      code: "payload_too_large",
      details: { bytes, maxBytes },
    });
  }
}
