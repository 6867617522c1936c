// workflow(): a named, versioned top-level flow with optional input/output schemas.
import type { ZodType } from "zod";
import { DefinitionError } from "../errors.js";
import { assertFlow, describe, type Flow, type WorkflowNode } from "./flow.js";
import { assertName } from "./name.js";
import { assertSchema } from "./step.js";
import { escalationOf, type EscalationOptions } from "./escalation.js";

export interface WorkflowOptions<TInput, TOutput> extends EscalationOptions {
  /** Validates the run's input before anything runs. @default none */
  input?: ZodType<TInput>;
  /** Validates the run's output before it is reported. @default none */
  output?: ZodType<TOutput>;
  /** Your version label; runs record it with a hash of the compiled structure. @default "1" */
  version?: string;
}

export type Workflow<TInput = any, TOutput = any> = Flow<TInput, TOutput> & WorkflowNode;

/**
 * A workflow: what you run, start in the engine, draw and test.
 * @example
 * const ingestion = workflow("DocumentIngestion", sequence("steps", [receive, classify]), { input: DocSchema, version: "2" });
 */
export function workflow<TInput, TOutput>(
  name: string,
  flow: Flow<TInput, TOutput>,
  options: WorkflowOptions<TInput, TOutput> = {},
): Workflow<TInput, TOutput> {
  assertName(name, "workflow");
  assertFlow(flow, `the flow of workflow "${name}"`);
  assertSchema(options.input, `the input schema of workflow "${name}"`);
  assertSchema(options.output, `the output schema of workflow "${name}"`);
  const version = options.version ?? "1";
  if (typeof version !== "string" || version === "") {
    throw new DefinitionError(`Expected the version of workflow "${name}" to be a non-empty string, got ${describe(version)}`);
  }
  const escalation = escalationOf(options, `workflow "${name}"`);
  return {
    kind: "workflow",
    name,
    flow,
    version,
    ...(escalation ? { escalation } : {}),
    ...(options.input ? { inputSchema: options.input } : {}),
    ...(options.output ? { outputSchema: options.output } : {}),
  } as Workflow<TInput, TOutput>;
}
