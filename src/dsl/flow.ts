// The definition tree: what every builder returns. Plain data plus the user's
// functions; never imports xstate. The compiler walks this tree; nothing else
// should depend on its inner shape.
import type { ZodType } from "zod";
import { DefinitionError, type StepchartError } from "../errors.js";
import type { StepContext } from "./step-context.js";

/** A step's work: sync or async, given the input and the step context. */
export type StepRun<TInput, TOutput> = (input: TInput, ctx: StepContext) => TOutput | Promise<TOutput>;

export interface StepNode {
  readonly kind: "step";
  readonly name: string;
  readonly run: StepRun<any, any>;
  readonly inputSchema?: ZodType;
  readonly outputSchema?: ZodType;
  /** Retries of this step (the step option `retry`); compiled as retry(timeout(step)). */
  readonly retry?: RetryPolicy;
  /** Per-attempt time limit (the step option `timeout`). */
  readonly timeoutMs?: number;
  readonly breaker?: BreakerConfig;
  /** The step option `compensate`, as a flow that receives the step's output. */
  readonly compensate?: FlowNode;
  /** The step option `limit`: a rate or concurrency shared by name. */
  readonly limit?: LimitConfig;
  /** The step option `cache`: reuse a stored result across runs for the same key. */
  readonly cache?: CacheConfig;
}

/** A normalized step cache: the key of an input, and how long a result counts (undefined: until invalidated). */
export interface CacheConfig {
  readonly key: (input: any) => string;
  readonly ttlMs?: number;
}

/** A normalized shared limit: at most `limit` calls per `perMs`, or at most `limit` at once. */
export type LimitConfig =
  | { readonly name: string; readonly kind: "rate"; readonly limit: number; readonly perMs: number }
  | { readonly name: string; readonly kind: "concurrency"; readonly limit: number };

/** A normalized retry policy: every duration in ms. */
export interface RetryPolicy {
  readonly maxRetries: number;
  readonly initialDelayMs: number;
  readonly multiplier: number;
  readonly maxDelayMs: number;
  readonly jitter: boolean;
  readonly retryOn?: (error: StepchartError) => boolean;
}

/** A normalized circuit breaker setting. */
export interface BreakerConfig {
  /** Shared by every step (in every run of the process) that names it. */
  readonly name: string;
  /** Failures within `windowMs` that open the circuit. */
  readonly failureThreshold: number;
  readonly windowMs: number;
  /** How long the circuit stays open before a trial call is let through (half-open). */
  readonly cooldownMs: number;
  /** Which failures count. */
  readonly trips: (error: StepchartError) => boolean;
}

export interface RetryNode {
  readonly kind: "retry";
  readonly name: string;
  readonly flow: FlowNode;
  readonly policy: RetryPolicy;
}

export interface TimeoutNode {
  readonly kind: "timeout";
  readonly name: string;
  readonly flow: FlowNode;
  readonly timeoutMs: number;
}

export interface Branch {
  readonly key: string;
  readonly flow: FlowNode;
}

export interface ParallelNode {
  readonly kind: "parallel";
  readonly name: string;
  readonly branches: readonly Branch[];
  /** Whether branches were given as an array (output array) or a record (output record). */
  readonly shape: "array" | "record";
  readonly maxConcurrency?: number;
  readonly failFast: boolean;
  readonly combine?: (results: any, input: any) => unknown;
}

export interface Stage {
  readonly flow: FlowNode;
  readonly maxConcurrency?: number;
}

/** map and pipeline: items computed from the input, each passing through the stages. */
export interface ItemsNode {
  readonly kind: "map" | "pipeline";
  readonly name: string;
  readonly stages: readonly Stage[];
  readonly items: (input: any) => readonly unknown[];
  readonly combine?: (results: any[], input: any) => unknown;
  /** map only: how it may join before every item settled, and how items are added (WCP.md additions 12, 13). */
  readonly join?: MapJoin;
}

/** A map's partial join and dynamic intake. */
export interface MapJoin {
  /** Join once this many items finished. */
  readonly quorum?: number;
  /** Join once this holds of the finished results (in item order), checked after each finish. */
  readonly until?: (results: any[], input: any) => boolean;
  /** Join when this event comes. */
  readonly completeOn?: string;
  /** Whether joining early withdraws the running and queued items (true) or lets them finish unheeded. */
  readonly cancel: boolean;
  /** Runs at the join with the output; its output becomes the map's. */
  readonly then?: FlowNode;
  /** Appends `event.item` or `event.items` while the map runs. */
  readonly addOn?: string;
  /** Closes the intake of `addOn`. */
  readonly closeOn?: string;
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

/** Picks a route by name; may be async (an LLM). Receives the step context and the names of the routes. */
export type RouteChooser<TInput> = (input: TInput, ctx: StepContext, routes: readonly string[]) => string | Promise<string>;

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
  readonly escalation?: Escalation;
}

/** What an operator is told when a step is escalated. */
export interface EscalationInfo {
  runId: string;
  /** The path of the step that is parked. */
  path: string;
  error: StepchartError;
}

/** Which failures park the run for an operator, and who is alerted. */
export interface Escalation {
  readonly escalates: (error: StepchartError) => boolean;
  readonly onEscalate?: (info: EscalationInfo) => void | Promise<void>;
}

export interface CompensateNode {
  readonly kind: "compensate";
  readonly name: string;
  readonly flow: FlowNode;
  /** Receives the flow's output. */
  readonly undo: FlowNode;
}

export interface SagaNode {
  readonly kind: "saga";
  readonly name: string;
  readonly flows: readonly FlowNode[];
  /** Whether a failure is compensated (the category rules). */
  readonly compensates: (error: StepchartError) => boolean;
  /** Runs after a failure (and its compensation); its output becomes the saga's. */
  readonly recover?: FlowNode;
  readonly escalation?: Escalation;
}

export interface WaitNode {
  readonly kind: "wait";
  readonly name: string;
  readonly event: string;
  readonly timeoutMs?: number;
  readonly schema?: ZodType;
  readonly onTimeout?: FlowNode;
  /** How the output is made from the input and the event's payload; false: the payload alone. */
  readonly merge: ((input: any, payload: any) => unknown) | false | undefined;
  /** Events of this type that nobody waits for are kept for the next such wait (WCP-24). */
  readonly buffered?: true;
}

export interface SleepNode {
  readonly kind: "sleep";
  readonly name: string;
  readonly durationMs: number;
}

/** cancelOn(): the event withdraws `flow`; the run goes on with `onCancel` or the input. */
export interface CancelOnNode {
  readonly kind: "cancelOn";
  readonly name: string;
  readonly flow: FlowNode;
  readonly event: string;
  readonly onCancel?: FlowNode;
}

/** critical(): `flow` runs only while it holds `lock` (one holder per run, FIFO). */
export interface CriticalNode {
  readonly kind: "critical";
  readonly name: string;
  readonly lock: string;
  readonly flow: FlowNode;
}

/** call(): a workflow by reference, resolved when the calling workflow is compiled (recursion). */
export interface CallNode {
  readonly kind: "call";
  readonly name: string;
  readonly workflow: () => FlowNode;
  readonly input?: (input: any) => unknown;
}

export type FlowNode =
  | StepNode
  | SequenceNode
  | ChooseNode
  | RouteNode
  | WorkflowNode
  | RetryNode
  | TimeoutNode
  | ParallelNode
  | ItemsNode
  | CompensateNode
  | SagaNode
  | WaitNode
  | SleepNode
  | CancelOnNode
  | CriticalNode
  | CallNode;

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

const KINDS = new Set<string>([
  "step",
  "sequence",
  "choose",
  "route",
  "workflow",
  "retry",
  "timeout",
  "parallel",
  "map",
  "pipeline",
  "compensate",
  "saga",
  "wait",
  "sleep",
  "cancelOn",
  "critical",
  "call",
]);

/** True when `value` was built by one of the builders. */
export function isFlow(value: unknown): value is FlowNode {
  return typeof value === "object" && value !== null && KINDS.has((value as { kind?: unknown }).kind as string);
}

/** Throws a DefinitionError unless `value` is a flow; `where` says which argument it was. */
export function assertFlow(value: unknown, where: string): asserts value is FlowNode {
  if (!isFlow(value)) {
    throw new DefinitionError(
      `Expected ${where} to be a flow (built with step(), sequence(), parallel(), map(), choose(), route(), retry(), saga(), waitFor() or workflow()), got ${describe(value)}`,
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
