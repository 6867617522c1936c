// The journal's unit: the difference between two persisted snapshots, as a
// list of operations on JSON paths. Compiled machines never mutate context,
// so unchanged parts are the same objects and the diff only walks what
// changed; an entry is as large as the change (a step's output), not the run.
// Arrays that grew or shrank at the end (the compensation stack, queues) get
// append and truncate operations instead of being rewritten.

export type Path = (string | number)[];

/** One operation: set `v` at `p`, delete `p` (`x`), append `a` to the array at `p`, or truncate it to `n`. */
export type Op = { p: Path; v: unknown } | { p: Path; x: 1 } | { p: Path; a: unknown[] } | { p: Path; n: number };

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === "object" && value !== null;
}

/** The operations that turn `before` into `after`. */
export function diff(before: unknown, after: unknown): Op[] {
  const ops: Op[] = [];
  walk(before, after, [], ops);
  return ops;
}

function walk(a: unknown, b: unknown, path: Path, ops: Op[]): void {
  if (a === b) return;
  if (isContainer(a) && isContainer(b) && Array.isArray(a) === Array.isArray(b)) {
    if (Array.isArray(a)) return walkArray(a, b as unknown[], path, ops);
    const objectA = a as Record<string, unknown>;
    const objectB = b as Record<string, unknown>;
    for (const key of Object.keys(objectA)) {
      if (!(key in objectB) || objectB[key] === undefined) {
        if (objectA[key] !== undefined) ops.push({ p: [...path, key], x: 1 });
      }
    }
    for (const key of Object.keys(objectB)) {
      if (objectB[key] !== undefined) walk(objectA[key], objectB[key], [...path, key], ops);
    }
    return;
  }
  ops.push({ p: path, v: b === undefined ? null : b });
}

function walkArray(a: unknown[], b: unknown[], path: Path, ops: Op[]): void {
  const common = Math.min(a.length, b.length);
  let samePrefix = true;
  for (let i = 0; i < common; i++) {
    if (a[i] !== b[i]) {
      samePrefix = false;
      break;
    }
  }
  if (samePrefix) {
    if (b.length > a.length) ops.push({ p: path, a: b.slice(a.length) });
    else if (b.length < a.length) ops.push({ p: path, n: b.length });
    return;
  }
  if (a.length === b.length) {
    for (let i = 0; i < b.length; i++) walk(a[i], b[i], [...path, i], ops);
    return;
  }
  ops.push({ p: path, v: b });
}

/** Applies `ops` to `doc` in place and returns it (`doc` must be plain JSON data owned by the caller). */
export function apply(doc: unknown, ops: readonly Op[]): unknown {
  let root = doc;
  for (const op of ops) {
    if (op.p.length === 0) {
      if ("v" in op) root = op.v;
      else throw new Error("Expected an operation on the whole document to set it");
      continue;
    }
    const parent = resolve(root, op.p.slice(0, -1));
    const key = op.p[op.p.length - 1]!;
    if ("v" in op) (parent as Record<string | number, unknown>)[key] = op.v;
    else if ("x" in op) delete (parent as Record<string | number, unknown>)[key];
    else {
      const target = (parent as Record<string | number, unknown>)[key];
      if (!Array.isArray(target)) throw new Error(`Expected an array at ${op.p.join(".")}`);
      if ("a" in op) target.push(...op.a);
      else target.length = op.n;
    }
  }
  return root;
}

function resolve(root: unknown, path: Path): unknown {
  let node = root;
  for (const key of path) {
    if (!isContainer(node)) throw new Error(`Expected an object or array at ${path.join(".")}`);
    node = (node as Record<string | number, unknown>)[key];
  }
  if (!isContainer(node)) throw new Error(`Expected an object or array at ${path.join(".")}`);
  return node;
}
