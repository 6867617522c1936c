// A copy of a workflow's definition tree in which every step, choose case,
// route chooser and compensation asks the script what to do and writes what
// it did to the trace. Compiled by the real compiler, it is the same machine
// (same states, transitions, timers and compensation stack) with scripted
// work. Unknown constructs are copied generically: any flow they hold is
// scripted too, so a construct added later runs under `simulate` unchanged.
import type { ChooseNode, FlowNode, RouteNode, StepNode, WorkflowNode } from "../dsl/flow.js";
import type { StepContext } from "../dsl/step-context.js";
import { LogicError, toStepchartError, type ErrorCategory } from "../errors.js";
import type { Clock } from "../clock.js";
import { errorOf } from "./categories.js";
import type { Script, Scripted } from "./script.js";

/** One thing that happened in a simulated run, at `at` ms on its clock. */
export type TraceEntry =
  | { kind: "step"; path: string; attempt: number; at: number; outcome: "ok" | "failed" | "hung"; category?: ErrorCategory }
  | { kind: "decision"; path: string; chose: string; at: number }
  | { kind: "answer"; path: string; event: string; at: number }
  | { kind: "operator"; path: string; action: string; at: number }
  | { kind: "delay"; ms: number; at: number }
  | { kind: "compensation"; path: string; outcome: "ok" | "failed"; at: number };

export interface CloneContext {
  readonly script: Script;
  readonly trace: TraceEntry[];
  readonly clock: Clock;
  /** Where each choose sits (its display path), for decisions keyed by path. */
  readonly chooseAt: ReadonlyMap<ChooseNode, string>;
  /** Run a map or pipeline over one item (the input itself), as the projection draws it. */
  readonly oneItem: boolean;
}

function isFlowLike(value: unknown): value is FlowNode {
  const v = value as { kind?: unknown; name?: unknown } | null;
  return typeof v === "object" && v !== null && typeof v.kind === "string" && typeof v.name === "string";
}

function cloneValue(value: unknown, c: CloneContext): unknown {
  if (isFlowLike(value)) return scriptedFlow(value, c);
  if (Array.isArray(value)) return value.map((v) => cloneValue(v, c));
  if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneValue(v, c)]));
  }
  return value;
}

/** The scripted copy of a workflow; the root keeps its input schema (the real input is checked). */
export function scriptedWorkflow(wf: WorkflowNode, c: CloneContext): WorkflowNode {
  const { outputSchema: _output, ...root } = wf;
  const keepOutput = c.script.unscripted === "real" && wf.outputSchema;
  return { ...root, flow: scriptedFlow(wf.flow, c), ...(keepOutput ? { outputSchema: wf.outputSchema } : {}) };
}

function scriptedFlow(node: FlowNode, c: CloneContext): FlowNode {
  switch (node.kind) {
    case "step":
      return scriptedStep(node, c);
    case "choose":
      return scriptedChoose(node, c);
    case "route":
      return scriptedRoute(node, c);
    case "compensate":
      return { ...node, flow: scriptedFlow(node.flow, c), undo: scriptedUndo(node.undo, c) };
    case "workflow": {
      // A child workflow's schemas see scripted data: they are not what is tested here.
      const { inputSchema: _in, outputSchema: _out, ...rest } = node;
      return { ...rest, flow: scriptedFlow(node.flow, c) };
    }
    case "map":
    case "pipeline":
      return { ...node, stages: node.stages.map((s) => ({ ...s, flow: scriptedFlow(s.flow, c) })), ...(c.oneItem ? { items: (input: unknown) => [input] } : {}) };
    default:
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, cloneValue(v, c)])) as unknown as FlowNode;
  }
}

function scriptedStep(node: StepNode, c: CloneContext): StepNode {
  const { inputSchema: _in, outputSchema: _out, breaker: _breaker, compensate, ...rest } = node;
  const original = node.run;
  const run = (input: unknown, ctx: StepContext) => {
    const entry: TraceEntry & { kind: "step" } = { kind: "step", path: ctx.path, attempt: ctx.attempt, at: c.clock.now(), outcome: "hung" };
    c.trace.push(entry);
    const scripted = c.script.steps.next(ctx.path, c.script.repeat) ?? unscripted(c);
    if (scripted === "real") return observe(original, input, ctx, entry);
    return perform(scripted, input, ctx, entry);
  };
  return { ...rest, run, ...(compensate ? { compensate: scriptedUndo(compensate, c) } : {}) } as StepNode;
}

function unscripted(c: CloneContext): Scripted | "real" {
  return c.script.unscripted === "real" ? "real" : c.script.unscripted === "ok" ? { ok: true } : { hang: true };
}

function perform(scripted: Scripted, input: unknown, ctx: StepContext, entry: { outcome: string; category?: ErrorCategory }): unknown {
  if ("hang" in scripted) {
    return new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true }));
  }
  if (scripted.ok) {
    entry.outcome = "ok";
    return scripted.value ? scripted.value.v : input;
  }
  entry.outcome = "failed";
  entry.category = scripted.category;
  const error = errorOf(scripted.category, scripted.message ?? `Simulated ${scripted.category} failure of "${ctx.path}"`);
  if (scripted.code) Object.defineProperty(error, "code", { value: scripted.code });
  throw error;
}

async function observe(run: StepNode["run"], input: unknown, ctx: StepContext, entry: { outcome: string; category?: ErrorCategory }): Promise<unknown> {
  try {
    const output = await run(input, ctx);
    entry.outcome = "ok";
    return output;
  } catch (thrown) {
    entry.outcome = "failed";
    entry.category = toStepchartError(thrown).category;
    throw thrown;
  }
}

function scriptedChoose(node: ChooseNode, c: CloneContext): ChooseNode {
  const at = c.chooseAt.get(node) ?? node.name;
  let decision: number | "real" = "real";
  const cases = node.cases.map((k, i) => ({
    ...k,
    then: scriptedFlow(k.then, c),
    when: (input: unknown) => {
      if (i === 0) {
        // The compiler tests the cases in order, once, on entry: the first case's test starts a decision.
        const d = c.script.decisions.next(at, c.script.repeat);
        decision = d === undefined || d === null || typeof d === "object" ? "real" : caseIndex(node, d);
        if (decision !== "real") c.trace.push({ kind: "decision", path: at, chose: describeCase(node, decision), at: c.clock.now() });
      }
      if (decision !== "real") return decision === i;
      const hit = k.when(input);
      if (hit === true) c.trace.push({ kind: "decision", path: at, chose: describeCase(node, i), at: c.clock.now() });
      return hit;
    },
  }));
  return { ...node, cases, ...(node.otherwise ? { otherwise: scriptedFlow(node.otherwise, c) } : {}) };
}

/** -1: otherwise or no case. */
function caseIndex(node: ChooseNode, d: string | number): number {
  if (typeof d === "number") return d;
  if (d === "otherwise" || d === "none") return -1;
  const i = node.cases.findIndex((k) => k.label === d);
  if (i < 0) throw new TypeError(`Choose "${node.name}" has no case labelled ${JSON.stringify(d)}; its cases are ${node.cases.map((k) => JSON.stringify(k.label)).join(", ")}`);
  return i;
}

function describeCase(node: ChooseNode, i: number): string {
  return i >= 0 ? `"${node.cases[i]!.label}"` : node.otherwise ? "otherwise" : "no case";
}

function scriptedRoute(node: RouteNode, c: CloneContext): RouteNode {
  const routes = Object.fromEntries(Object.entries(node.routes).map(([k, v]) => [k, scriptedFlow(v, c)]));
  const choose = async (input: unknown, ctx: StepContext, names: readonly string[]) => {
    const d = c.script.decisions.next(ctx.path, c.script.repeat);
    if (d === undefined && c.script.unscripted === "real") {
      const chosen = await node.choose(input, ctx, names);
      c.trace.push({ kind: "decision", path: ctx.path, chose: String(chosen), at: c.clock.now() });
      return chosen;
    }
    if (typeof d === "object" && d !== null) {
      c.trace.push({ kind: "decision", path: ctx.path, chose: `fails (${d.fail})`, at: c.clock.now() });
      throw errorOf(d.fail, `Simulated ${d.fail} failure of the chooser of "${ctx.path}"`);
    }
    if (d === undefined) return new Promise<string>((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true }));
    const chosen = d === null ? "$unknown-route" : String(d);
    c.trace.push({ kind: "decision", path: ctx.path, chose: chosen, at: c.clock.now() });
    return chosen;
  };
  return { ...node, routes, choose };
}

/** The first step of a flow (where its run starts), to record a compensation once. */
function firstStep(node: FlowNode): string | undefined {
  if (node.kind === "step") return node.name;
  for (const value of Object.values(node)) {
    const flows = Array.isArray(value) ? value : [value];
    for (const f of flows) {
      const inner = isFlowLike(f) ? f : isFlowLike((f as { flow?: unknown } | null)?.flow) ? (f as { flow: FlowNode }).flow : undefined;
      const found = inner && firstStep(inner);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * A compensation: every step inside it reads the outcome scripted for the
 * compensated flow, whose path is the step's path up to the compensation's name.
 */
function scriptedUndo(undo: FlowNode, c: CloneContext): FlowNode {
  const entryStep = firstStep(undo);
  const script = (node: FlowNode): FlowNode => {
    if (node.kind !== "step") return cloneUndo(node, script);
    const original = node.run;
    const { inputSchema: _in, outputSchema: _out, breaker: _b, compensate: _c, ...rest } = node;
    const run = async (input: unknown, ctx: StepContext) => {
      const cut = ctx.path.lastIndexOf(`.${undo.name}`);
      const compensated = cut < 0 ? ctx.path : ctx.path.slice(0, cut);
      const entry: TraceEntry & { kind: "compensation" } = { kind: "compensation", path: compensated, outcome: "ok", at: c.clock.now() };
      if (node.name === entryStep) c.trace.push(entry);
      const outcome = c.script.compensations.next(compensated, c.script.repeat);
      if (outcome === undefined && c.script.unscripted === "real") {
        try {
          return await original(input, ctx);
        } catch (thrown) {
          entry.outcome = "failed";
          throw thrown;
        }
      }
      if (outcome === "fail") {
        entry.outcome = "failed";
        throw new LogicError(`Simulated failure of the compensation of "${compensated}"`);
      }
      return undefined;
    };
    return { ...rest, run } as StepNode;
  };
  return script(undo);
}

function cloneUndo(node: FlowNode, script: (node: FlowNode) => FlowNode): FlowNode {
  const walk = (value: unknown): unknown => {
    if (isFlowLike(value)) return script(value);
    if (Array.isArray(value)) return value.map(walk);
    if (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    }
    return value;
  };
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)])) as unknown as FlowNode;
}
