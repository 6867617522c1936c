// What can be drawn: a workflow or any flow (compiled here), or a machine that
// is already compiled (any XState machine: only its `config` is read). Owns the
// one place that turns either into a state-node config; it never draws.
import { compile } from "../compile/compile.js";
import { describe, isFlow, type Flow } from "../dsl/flow.js";
import { DefinitionError } from "../errors.js";

/** A workflow, any flow, or a compiled machine (any XState v5 machine). */
export type DiagramSource = Flow | { readonly config: object };

/** The root state-node config of what is to be drawn, and the machine's id. */
export interface MachineConfig {
  readonly id: string;
  readonly root: StateConfig;
}

/** The parts of an XState state-node config that a diagram reads; everything is optional. */
export interface StateConfig {
  readonly id?: string;
  readonly type?: string;
  readonly initial?: string;
  readonly states?: Record<string, StateConfig>;
  readonly on?: Record<string, unknown>;
  readonly always?: unknown;
  readonly after?: Record<string, unknown>;
  readonly invoke?: unknown;
  readonly onDone?: unknown;
  readonly entry?: unknown;
  readonly meta?: Record<string, unknown>;
  readonly tags?: unknown;
  readonly description?: string;
}

/**
 * Reads the config to draw: `machine.config`, never `machine.toJSON()`, which
 * drops eventless transitions (DESIGN.md).
 * @example machineConfigOf(ingestion).id // "DocumentIngestion"
 */
export function machineConfigOf(source: DiagramSource): MachineConfig {
  const machine = isFlow(source) ? compile(source) : source;
  const config = (machine as { config?: unknown }).config;
  if (typeof config !== "object" || config === null) {
    throw new DefinitionError(`Expected a workflow, a flow or a compiled machine (an object with a \`config\`) to draw, got ${describe(source)}`);
  }
  const root = config as StateConfig;
  return { id: typeof root.id === "string" ? root.id : "(machine)", root };
}
