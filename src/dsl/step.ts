// step(): one unit of work with typed input and output.
import type { ZodType } from "zod";
import { DefinitionError } from "../errors.js";
import { describe, type Flow, type StepNode, type StepRun } from "./flow.js";
import { assertName } from "./name.js";

export interface StepOptions {
  /** Validates the step's input before it runs; a mismatch is a ValidationError. @default none */
  input?: ZodType;
  /** Validates the step's output; a mismatch is a ValidationError. @default none */
  output?: ZodType;
}

export type Step<TInput, TOutput> = Flow<TInput, TOutput> & StepNode;

/**
 * One async (or sync) unit of work. Its output is the next flow's input.
 * @example
 * const classify = step("Classify", async (doc: Doc, ctx) => ({ ...doc, type: "invoice" }), { input: DocSchema });
 */
export function step<TInput, TOutput>(name: string, run: StepRun<TInput, TOutput>, options: StepOptions = {}): Step<TInput, Awaited<TOutput>> {
  assertName(name, "step");
  if (typeof run !== "function") {
    throw new DefinitionError(`Expected the function of step "${name}" to be a function, got ${describe(run)}`);
  }
  assertSchema(options.input, `the input schema of step "${name}"`);
  assertSchema(options.output, `the output schema of step "${name}"`);
  return {
    kind: "step",
    name,
    run,
    ...(options.input ? { inputSchema: options.input } : {}),
    ...(options.output ? { outputSchema: options.output } : {}),
  } as Step<TInput, Awaited<TOutput>>;
}

/** Throws unless `schema` is absent or has `safeParse` (a zod schema). */
export function assertSchema(schema: unknown, what: string): void {
  if (schema === undefined) return;
  if (typeof (schema as { safeParse?: unknown } | null)?.safeParse !== "function") {
    throw new DefinitionError(`Expected ${what} to be a zod schema, got ${describe(schema)}`);
  }
}
