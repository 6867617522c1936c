// Workflow versions. A run records the hash of the compiled structure it
// started with. On restore the engine prefers the registered definition with
// that hash; otherwise the run may continue under a newer one only if every
// state it is in still exists there, with the same kind (an atomic state stays
// atomic). `compatibility()` is the check, exported so that it can run before
// a deploy.
import { createHash } from "node:crypto";
import type { AnyActorLogic, StateValue } from "xstate";
import { compile } from "../compile/compile.js";
import { CompiledMachine } from "../compile/machine.js";
import type { Flow } from "../dsl/flow.js";

const hashes = new WeakMap<object, string>();

/** A short hash of a machine's structure (states, transitions, action and guard names), children included. */
export function definitionHash(machine: CompiledMachine): string {
  let hash = hashes.get(machine);
  if (hash) return hash;
  // A workflow that calls itself (call) is its own child: the cycle counts by name only.
  if (hashing.has(machine)) return "cycle";
  hashing.add(machine);
  try {
    const children = Object.entries(machine.implementations.actors as Record<string, AnyActorLogic>)
      .filter(([, logic]) => logic instanceof CompiledMachine)
      .map(([name, logic]) => [name, definitionHash(logic as CompiledMachine)]);
    const text = JSON.stringify([machine.config, children], (_key, value) => (typeof value === "function" ? "ƒ" : value));
    hash = createHash("sha256").update(text).digest("hex").slice(0, 16);
  } finally {
    hashing.delete(machine);
  }
  hashes.set(machine, hash);
  return hash;
}

const hashing = new Set<object>();

export interface Compatibility {
  compatible: boolean;
  /** The state paths (and child machines) the run is in that the definition lacks or changed. */
  missing: string[];
}

interface PersistedLike {
  value: StateValue;
  children?: Record<string, { src?: unknown; snapshot?: unknown }>;
}

/** Whether a run whose persisted snapshot is `snapshot` can continue under `machine`. */
export function compatibility(machine: CompiledMachine, snapshot: PersistedLike): Compatibility {
  const missing: string[] = [];
  check(machine, snapshot, "", missing);
  return { compatible: missing.length === 0, missing };
}

function check(machine: CompiledMachine, snapshot: PersistedLike, prefix: string, missing: string[]): void {
  for (const [path, leaf] of leaves(snapshot.value)) {
    const node = findNode(machine, path);
    const name = prefix + path.join(".");
    if (!node) missing.push(name);
    else if (leaf && node.type !== "atomic" && node.type !== "final") missing.push(`${name} (no longer a simple state)`);
  }
  for (const [id, child] of Object.entries(snapshot.children ?? {})) {
    if (typeof child.src !== "string") continue;
    const logic = (machine.implementations.actors as Record<string, AnyActorLogic>)[child.src];
    if (!logic) {
      missing.push(`${prefix}${id} (actor "${child.src}")`);
      continue;
    }
    const childSnapshot = child.snapshot as PersistedLike | undefined;
    if (logic instanceof CompiledMachine && childSnapshot && "value" in childSnapshot) check(logic, childSnapshot, `${prefix}${id}/`, missing);
  }
}

/** Every path of a state value, and whether it ends at a leaf (an atomic state). */
function leaves(value: StateValue, path: string[] = []): [string[], boolean][] {
  if (typeof value === "string") return [[[...path, value], true]];
  const entries = Object.entries(value as Record<string, StateValue>);
  if (entries.length === 0) return [[path, false]];
  return entries.flatMap(([key, child]) => [[[...path, key], false] as [string[], boolean], ...leaves(child as StateValue, [...path, key])]);
}

function findNode(machine: CompiledMachine, path: string[]): { type: string } | undefined {
  let node: any = machine.root;
  for (const key of path) {
    node = node.states?.[key];
    if (!node) return undefined;
  }
  return node;
}

/**
 * Whether a run whose persisted snapshot is `snapshot` could continue under
 * `workflow`: every state it is in must still exist with the same kind.
 * @example
 * const { compatible, missing } = checkCompatibility(ingestionV2, JSON.parse(storedSnapshot));
 */
export function checkCompatibility(workflow: Flow, snapshot: PersistedLike): Compatibility {
  return compatibility(compile(workflow) as unknown as CompiledMachine, snapshot);
}
