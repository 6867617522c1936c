// Resolves XState transition targets to state paths, the way XState does:
// `#id.a.b` from a state id (the root's id or an explicit `id`), `.child` from
// the source state, and `sibling.child` from the source's parent. Reads paths
// only; it knows nothing of what a state is.

/** State ids (the machine's id, explicit `id`s) to their paths ("" for the root). */
export type IdTable = ReadonlyMap<string, string>;

/**
 * The target strings of a transition config's `target` (undefined, a string or an array).
 * @example targetsOf(["#M.a", "b"]) // ["#M.a", "b"]
 */
export function targetsOf(target: unknown): string[] {
  if (typeof target === "string") return [target];
  if (Array.isArray(target)) return target.filter((t): t is string => typeof t === "string");
  return [];
}

/**
 * The path of the state that `target` names, seen from the state at `from`;
 * undefined when no id matches.
 * @example resolveTarget("Root.a", "#Root.b.c", ids) // "b.c" when the machine's id is "Root"
 */
export function resolveTarget(from: string, target: string, ids: IdTable): string | undefined {
  if (target.startsWith("#")) {
    // The longest id that prefixes the reference wins; the rest is a path below it
    // (XState's default ids are `<machine id>.<path>`, so both forms resolve).
    const parts = target.slice(1).split(".");
    for (let n = parts.length; n > 0; n--) {
      const base = ids.get(parts.slice(0, n).join("."));
      if (base !== undefined) return join(base, parts.slice(n).join("."));
    }
    return undefined;
  }
  if (target.startsWith(".")) return join(from, target.slice(1));
  return join(parentOf(from), target);
}

/**
 * The path of a state's parent ("" for the root's children).
 * @example parentOf("A.b.c") // "A.b"
 */
export function parentOf(path: string): string {
  const dot = path.lastIndexOf(".");
  return dot < 0 ? "" : path.slice(0, dot);
}

function join(base: string, rest: string): string {
  if (rest === "") return base;
  return base === "" ? rest : `${base}.${rest}`;
}
