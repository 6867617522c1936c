// Checks of the numeric options builders take (limits, counts, factors).
import { DefinitionError } from "../errors.js";
import { describe } from "./flow.js";

/** Throws unless `value` is an integer >= `min`. */
export function assertInteger(value: unknown, what: string, min: number): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new DefinitionError(`Expected ${what} to be an integer >= ${min}, got ${describe(value)}`);
  }
}

/** Throws unless `value` is a finite number >= `min`. */
export function assertNumber(value: unknown, what: string, min: number): asserts value is number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw new DefinitionError(`Expected ${what} to be a number >= ${min}, got ${describe(value)}`);
  }
}

/** Throws unless `value` is absent or a function. */
export function assertOptionalFunction(value: unknown, what: string): void {
  if (value !== undefined && typeof value !== "function") {
    throw new DefinitionError(`Expected ${what} to be a function, got ${describe(value)}`);
  }
}
