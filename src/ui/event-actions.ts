// The buttons a run offers: one per event it waits for now (with a payload
// template drawn from the wait's zod schema, when it has one), the operator
// events of a parked step, and cancel. It only describes actions; sending
// them is the engine's (engine.signal, engine.cancel).
import { z } from "zod";
import type { CompiledMachine } from "../compile/machine.js";
import { activePaths } from "./timeline.js";

export interface EventAction {
  /** The event type to send. */
  type: string;
  /** What the button reads. */
  label: string;
  /** A payload to start editing from (the event without `type`). */
  template: Record<string, unknown>;
  /** A stepchart operator event (stepchart.retry, stepchart.skip, stepchart.abort). */
  operator: boolean;
}

const OPERATOR_ACTIONS: Record<string, { label: string; template: Record<string, unknown> }> = {
  "stepchart.retry": { label: "Retry the step", template: {} },
  "stepchart.skip": { label: "Skip the step with this output", template: { output: null } },
  "stepchart.abort": { label: "Abort (compensate and fail)", template: {} },
};

/**
 * The events the run accepts now, as actions with payload templates.
 * @example eventActions(["DECIDE"], machine, snapshot) // [{ type: "DECIDE", template: { approved: false, by: "" }, ... }]
 */
export function eventActions(waitingFor: readonly string[], machine: CompiledMachine | undefined, snapshot: { value?: unknown } | undefined): EventAction[] {
  const schemas = machine && snapshot ? waitSchemas(machine, snapshot) : new Map<string, z.ZodType>();
  return waitingFor.map((type) => {
    const operator = OPERATOR_ACTIONS[type];
    if (operator) return { type, label: operator.label, template: operator.template, operator: true };
    const schema = schemas.get(type);
    return { type, label: `Send ${type}`, template: schema ? templateOf(schema) : {}, operator: false };
  });
}

/** The schemas of the waits active in the run's root machine, by event type. */
function waitSchemas(machine: CompiledMachine, snapshot: { value?: unknown }): Map<string, z.ZodType> {
  const found = new Map<string, z.ZodType>();
  const states = (machine.config as { states?: Record<string, unknown> }).states ?? {};
  for (const path of activePaths(snapshot.value)) {
    let config: any = { states };
    for (const key of path.split(".")) config = config?.states?.[key];
    const wait = config?.meta?.stepchart?.wait as { key: string; event: string } | undefined;
    const schema = wait ? machine.info.waits.get(wait.key)?.schema : undefined;
    if (wait && schema && !found.has(wait.event)) found.set(wait.event, schema as z.ZodType);
  }
  return found;
}

/** A payload that shows the fields a schema asks for: required ones with a neutral value. */
function templateOf(schema: z.ZodType): Record<string, unknown> {
  try {
    const json = z.toJSONSchema(schema, { unrepresentable: "any" }) as JsonSchema;
    const value = sample(json, 0);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  anyOf?: JsonSchema[];
}

function sample(schema: JsonSchema, depth: number): unknown {
  if (schema.default !== undefined) return schema.default;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum?.length) return schema.enum[0];
  if (schema.anyOf?.length) return sample(schema.anyOf[0]!, depth);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      if (depth > 4) return out;
      for (const key of schema.required ?? []) {
        const property = schema.properties?.[key];
        if (property) out[key] = sample(property, depth + 1);
      }
      return out;
    }
    case "array":
      return [];
    case "string":
      return "";
    case "number":
    case "integer":
      return 0;
    case "boolean":
      return false;
    default:
      return null;
  }
}
