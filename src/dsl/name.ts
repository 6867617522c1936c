// Names of steps and blocks: they become state keys and step paths, which are
// part of the persisted format (renaming one changes the definition hash).
import { DefinitionError } from "../errors.js";
import { describe } from "./flow.js";

const MAX_NAME_LENGTH = 120;

/**
 * Checks a name given to a builder. Names may hold letters, digits, spaces and
 * punctuation, except `.` and `#` (XState's path and id markers), `*` (the
 * event wildcard) and a leading `$` (reserved for stepchart's own states).
 */
export function assertName(name: unknown, what: string): asserts name is string {
  if (typeof name !== "string" || name.trim() === "") {
    throw new DefinitionError(`Expected the name of a ${what} to be a non-empty string, got ${describe(name)}`);
  }
  if (name.length > MAX_NAME_LENGTH) {
    throw new DefinitionError(`Expected the name of ${what} "${name.slice(0, 40)}…" to have at most ${MAX_NAME_LENGTH} characters, got ${name.length}`);
  }
  if (/[.#*]/.test(name) || name.startsWith("$")) {
    throw new DefinitionError(
      `Expected the name of ${what} "${name}" to contain no ".", "#" or "*" and not to start with "$" (they are reserved for state paths and event types); use "-" or "_" instead`,
    );
  }
}

/** Throws when two flows in one scope share a name: state keys must be unique. */
export function assertUniqueNames(names: readonly string[], scope: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) {
      throw new DefinitionError(
        `Expected every flow in ${scope} to have its own name, got "${name}" twice; wrap one in sequence("another-name", [flow]) to use it twice`,
      );
    }
    seen.add(name);
  }
}
