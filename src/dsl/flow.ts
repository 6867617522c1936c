// The definition tree: what every builder returns. Plain data plus the user's
// functions; never imports xstate. The compiler walks this tree; nothing else
// should depend on its inner shape.
import type { ZodType } from "zod";
import { DefinitionError } from "../errors.js";
import type { StepContext } from "./step-context.js";

/** A step's work: sync or async, given the input and the step context. */
export type StepRun<TInput, TOutput> = (input: TInput, ctx: StepContext) => TOutput | Promise<TOutput>;

export interface StepNode {
  readonly kind: "step";
  readonly name: string;
  readonly run: StepRun<any, any>;
  readonly inputSchema?: ZodType;
  readonly outputSchema?: ZodType;
}

export interface SequenceNode {
  readonly kind: "sequence";
  readonly name: string;
  readonly flows: readonly FlowNode[];
}

export interface ChooseCase {
  readonly when: (input: any) => boolean;
  readonly then: FlowNode;
  readonly label: string;
}

export interface ChooseNode {
  readonly kind: "choose";
  readonly name: string;
  readonly cases: readonly ChooseCase[];
  readonly otherwise?: FlowNode;
}

/** Picks a route by name; may be async (an LLM) and receives the step context. */
export type RouteChooser<TInput> = (input: TInput, ctx: StepContext) => string | Promise<string>;

export interface RouteNode {
  readonly kind: "route";
  readonly name: string;
  readonly routes: Readonly<Record<string, FlowNode>>;
  readonly choose: RouteChooser<any>;
  readonly fallback?: string;
}

export interface WorkflowNode {
  readonly kind: "workflow";
  readonly name: string;
  readonly flow: FlowNode;
  readonly version: string;
  readonly inputSchema?: ZodType;
  readonly outputSchema?: ZodType;
}

export type FlowNode = StepNode | SequenceNode | ChooseNode | RouteNode | WorkflowNode;

/**
 * Anything that can run as part of a workflow: a step, a sequence, a choose…
 * `TInput` and `TOutput` exist for type inference only.
 */
export type Flow<TInput = any, TOutput = any> = FlowNode & {
  /** @internal type-level marker; never set. */
  readonly __io?: (input: TInput) => TOutput;
};

export type InputOf<TFlow> = TFlow extends Flow<infer TInput, any> ? TInput : never;
export type OutputOf<TFlow> = TFlow extends Flow<any, infer TOutput> ? TOutput : never;

const KINDS = new Set<string>(["step", "sequence", "choose", "route", "workflow"]);

/** True when `value` was built by one of the builders. */
export function isFlow(value: unknown): value is FlowNode {
  return typeof value === "object" && value !== null && KINDS.has((value as { kind?: unknown }).kind as string);
}

/** Throws a DefinitionError unless `value` is a flow; `where` says which argument it was. */
export function assertFlow(value: unknown, where: string): asserts value is FlowNode {
  if (!isFlow(value)) {
    throw new DefinitionError(
      `Expected ${where} to be a flow (built with step(), sequence(), choose(), route() or workflow()), got ${describe(value)}`,
    );
  }
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "function") return "a function";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}
