// The test projection of a workflow: an XState machine with the compiled
// machine's states (same keys, same nesting) in which nothing runs. Every
// dispatched step becomes events (`done`, `fails (category)`), every timer a
// `… fires`-style event, every wait its event or its timeout, every choose
// and route decision an event; the context keeps only what decides the
// control flow (retry counters, the compensation stack, the failure's
// category), so xstate/graph traverses it in finite time. Built from the
// definition tree, not from the compiled config: the tree says which step a
// state runs, which categories its handlers treat differently and which
// compensation belongs to which flow, none of which the config can say.
import { assign, createMachine, type AnyStateMachine } from "xstate";
import { dominantCategory, type ErrorCategory, type StepchartError } from "../errors.js";
import type { ChooseNode, Escalation, FlowNode, ItemsNode, ParallelNode, RetryNode, RouteNode, SagaNode, StepNode, WaitNode, WorkflowNode } from "../dsl/flow.js";
import { decides, errorOf, representatives } from "./categories.js";

export type EventKind =
  | "done"
  | "fail"
  | "timeout"
  | "case"
  | "route"
  | "receive"
  | "wait-timeout"
  | "timer"
  | "compensated"
  | "compensation-failed"
  | "operator";

/** One event of the projection: what happens to which flow. Its `type` is the readable text a path shows. */
export interface ProjectedEvent {
  readonly type: string;
  readonly kind: EventKind;
  /** The display path of the flow it concerns (a step, a choose, a wait; the compensated flow for compensations). */
  readonly path: string;
  readonly category?: ErrorCategory;
  /** A choose: the case index, "otherwise" or "none"; a route: the route name, or null for an unknown name. */
  readonly choice?: number | string | null;
  readonly operator?: "retry" | "skip" | "abort";
  /** Counts against `maxFailures`: a flow going wrong, as opposed to a decision or an answer. */
  readonly fault?: boolean;
  /** Sent from outside the run (an answer to a wait, an operator's action). */
  readonly external?: boolean;
}

export interface ProjectionContext {
  failure: { path: string; category: ErrorCategory; aborted?: boolean } | null;
  /** Retries made, by retry state path. */
  attempts: Record<string, number>;
  /** Display paths of the completed compensable flows, oldest first. */
  stack: string[];
  /** The stack depth when each saga began, by saga state path. */
  bases: Record<string, number>;
  /** Categories of the failed branches of each parallel, by its state path. */
  collected: Record<string, ErrorCategory[]>;
  /** Display paths of the flows that went wrong on this path. */
  faults: string[];
}

/** What the checks need to know about the workflow's structure. */
export interface Structure {
  readonly waits: { display: string; statePath: string; hasTimeout: boolean }[];
  readonly chooses: { display: string; statePath: string; node: ChooseNode; inputOf: InputSource }[];
  readonly retries: { display: string; statePath: string; maxRetries: number }[];
  /** Compensable flows with the saga (state path) that would compensate them, if any. */
  readonly compensables: { display: string; saga?: string }[];
  readonly sagas: { display: string; statePath: string; flows: string[] }[];
  /** Parallel blocks: the display paths of their branches. */
  readonly parallels: { display: string; branches: string[] }[];
  /** Constructs the projection does not know, drawn as one opaque step each. */
  readonly unsupported: { kind: string; display: string }[];
}

/** Where a flow's input comes from, as far as the projection can tell. */
export type InputSource = { kind: "workflow" } | { kind: "step"; node: StepNode } | { kind: "unknown" };

export interface Projection {
  readonly machine: AnyStateMachine;
  /** Every event by its type. */
  readonly events: ReadonlyMap<string, ProjectedEvent>;
  /** The events a snapshot offers (canonical order across parallel regions, failure budget applied). */
  offered(snapshot: any): ProjectedEvent[];
  readonly structure: Structure;
}

export interface ProjectionOptions {
  /** How many different flows may go wrong on one path (steps failing, timing out). @default 1 */
  maxFailures?: number;
}

interface PScope {
  path: string;
  display: string;
  onError: string;
  /** The handlers around this flow, as functions of a category (retryable? compensated? escalated?). */
  policies: ((category: ErrorCategory) => boolean)[];
  escalation?: Escalation;
  /** Timeouts around this flow that can fire while one of its steps runs. */
  timeouts: ProjectedEvent[];
  saga?: string;
  inputOf: InputSource;
}

const ROOT = "P";
type Offer = (ctx: ProjectionContext) => ProjectedEvent[];

const abs = (path: string) => `#${ROOT}.${path}`;
const failWith = (path: string, category: ErrorCategory) =>
  assign(({ context }: { context: ProjectionContext }) => ({
    failure: { path, category },
    faults: context.faults.includes(path) ? context.faults : [...context.faults, path],
  }));
const failHere = (path: string) =>
  assign(({ context }: { context: ProjectionContext }) => ({ failure: { path, category: context.failure?.category ?? "logic" } }));
const clearFailure = assign({ failure: null });
const retryableByDefault = (category: ErrorCategory) => (errorOf(category, "") as StepchartError).retryable;

class Projector {
  readonly events = new Map<string, ProjectedEvent>();
  readonly offers = new Map<string, Offer>();
  readonly structure = {
    waits: [],
    chooses: [],
    retries: [],
    compensables: [],
    sagas: [],
    parallels: [],
    unsupported: [],
  } as { -readonly [K in keyof Structure]: Structure[K] };

  event(e: ProjectedEvent): ProjectedEvent {
    const known = this.events.get(e.type);
    if (known) return known;
    this.events.set(e.type, e);
    return e;
  }

  offer(statePath: string, offer: Offer): void {
    this.offers.set(statePath, offer);
  }

  child(s: PScope, key: string, changes: Partial<PScope> = {}): PScope {
    return {
      ...s,
      ...changes,
      path: `${s.path}.${key}`,
      display: key.startsWith("$") ? s.display : `${s.display}.${key}`,
    };
  }

  flow(node: FlowNode, s: PScope, next: string): object {
    switch (node.kind) {
      case "step":
        return this.step(node, s, next);
      case "sequence": {
        const states: Record<string, object> = {};
        let input = s.inputOf;
        node.flows.forEach((flow, i) => {
          states[flow.name] = this.flow(flow, this.child(s, flow.name, { inputOf: input }), node.flows[i + 1]?.name ?? "$done");
          input = outputSource(flow);
        });
        states.$done = { type: "final" };
        return { initial: node.flows[0]!.name, states, onDone: { target: next } };
      }
      case "choose":
        return this.choose(node, s, next);
      case "route":
        return this.route(node, s, next);
      case "retry":
        return this.retry(node, s, next);
      case "timeout": {
        const fires = this.event({ type: `${s.display} times out`, kind: "timeout", path: s.display, category: "transient", fault: true });
        return {
          initial: "$run",
          on: { [fires.type]: { target: s.onError, actions: failWith(s.display, "transient") } },
          states: { $run: this.flow(node.flow, this.child(s, "$run", { timeouts: [...s.timeouts, fires] }), "$done"), $done: { type: "final" } },
          onDone: { target: next },
        };
      }
      case "parallel":
        return this.parallel(node, s, next);
      case "map":
      case "pipeline":
        return this.items(node, s, next);
      case "compensate": {
        this.structure.compensables.push({ display: s.display, ...(s.saga ? { saga: s.saga } : {}) });
        const push = assign(({ context }: { context: ProjectionContext }) => ({ stack: [...context.stack, s.display] }));
        return {
          initial: "$run",
          states: { $run: this.flow(node.flow, this.child(s, "$run"), "$done"), $done: { type: "final" } },
          onDone: { target: next, actions: push },
        };
      }
      case "saga":
        return this.saga(node, s, next);
      case "wait":
        return this.wait(node, s, next);
      case "sleep": {
        const ends = this.event({ type: `${s.display} sleeps ${node.durationMs}ms`, kind: "timer", path: s.display });
        this.offer(s.path, () => [ends]);
        return { on: { [ends.type]: next } };
      }
      case "workflow":
        return this.childWorkflow(node, s, next);
      default:
        return this.opaque(node as FlowNode, s, next);
    }
  }

  step(node: StepNode, s: PScope, next: string): object {
    // The compiler's wrappers, outermost first: escalate(compensate(retry(timeout(step)))).
    if (s.escalation) return this.escalated(node, s.escalation, s, next);
    if (node.compensate) {
      const { compensate: undo, ...rest } = node;
      return this.flow({ kind: "compensate", name: node.name, flow: rest, undo }, s, next);
    }
    if (node.retry) {
      const { retry: policy, ...rest } = node;
      return this.flow({ kind: "retry", name: node.name, flow: rest, policy }, s, next);
    }
    if (node.timeoutMs !== undefined) {
      const { timeoutMs, ...rest } = node;
      return this.flow({ kind: "timeout", name: node.name, flow: rest, timeoutMs }, s, next);
    }
    return this.dispatching(s, `${s.display} done`, next);
  }

  /** A state that runs something: done, or fails with each category its handlers tell apart (or times out). */
  dispatching(s: PScope, doneType: string, onDone: object | string, failLabel = "fails"): object {
    const done = this.event({ type: doneType, kind: "done", path: s.display });
    const fails = representatives(s.policies).map((category) =>
      this.event({ type: `${s.display} ${failLabel} (${category})`, kind: "fail", path: s.display, category, fault: true }),
    );
    const timeouts = s.timeouts;
    this.offer(s.path, () => [done, ...fails, ...timeouts]);
    const on: Record<string, unknown> = { [done.type]: onDone };
    for (const f of fails) on[f.type] = { target: s.onError, actions: failWith(s.display, f.category!) };
    return { on };
  }

  choose(node: ChooseNode, s: PScope, next: string): object {
    this.structure.chooses.push({ display: s.display, statePath: s.path, node, inputOf: s.inputOf });
    const on: Record<string, unknown> = {};
    const offered: ProjectedEvent[] = [];
    const states: Record<string, object> = {};
    node.cases.forEach((c, i) => {
      const e = this.event({ type: `${s.display} takes "${c.label}"`, kind: "case", path: s.display, choice: i });
      offered.push(e);
      on[e.type] = c.then.name;
      states[c.then.name] = this.flow(c.then, this.child(s, c.then.name), "$done");
    });
    if (node.otherwise) {
      const e = this.event({ type: `${s.display} takes otherwise`, kind: "case", path: s.display, choice: "otherwise" });
      offered.push(e);
      on[e.type] = node.otherwise.name;
      states[node.otherwise.name] = this.flow(node.otherwise, this.child(s, node.otherwise.name), "$done");
    } else {
      const e = this.event({ type: `${s.display} matches no case`, kind: "case", path: s.display, choice: "none" });
      offered.push(e);
      on[e.type] = { target: s.onError, actions: failWith(s.display, "logic") };
    }
    this.offer(`${s.path}.$select`, () => offered);
    states.$select = { on };
    states.$done = { type: "final" };
    return { initial: "$select", states, onDone: { target: next } };
  }

  route(node: RouteNode, s: PScope, next: string): object {
    const names = Object.keys(node.routes);
    const chooser = { ...s, path: `${s.path}.$choose` };
    const decided: Record<string, unknown> = {};
    const offered: ProjectedEvent[] = [];
    const states: Record<string, object> = {};
    for (const name of names) {
      const e = this.event({ type: `${s.display} routes to ${name}`, kind: "route", path: s.display, choice: name });
      offered.push(e);
      decided[e.type] = name;
      states[name] = this.flow(node.routes[name]!, this.child(s, name), "$done");
    }
    const unknown = this.event({ type: `${s.display} gets an unknown route name`, kind: "route", path: s.display, choice: null });
    offered.push(unknown);
    decided[unknown.type] = node.fallback !== undefined ? node.fallback : { target: s.onError, actions: failWith(s.display, "logic") };
    const chooserState = this.dispatching(chooser, `${s.display} chooser answers`, "$choose", "chooser fails") as { on: Record<string, unknown> };
    // The chooser's answer is one of the decisions, not a separate "done".
    const failures = Object.fromEntries(Object.entries(chooserState.on).filter(([type]) => this.events.get(type)?.kind === "fail"));
    const failEvents = Object.keys(failures).map((t) => this.events.get(t)!);
    this.events.delete(`${s.display} chooser answers`);
    this.offer(chooser.path, () => [...offered, ...failEvents, ...s.timeouts]);
    states.$choose = { on: { ...decided, ...failures } };
    states.$done = { type: "final" };
    return { initial: "$choose", states, onDone: { target: next } };
  }

  retry(node: RetryNode, s: PScope, next: string): object {
    const { policy } = node;
    this.structure.retries.push({ display: s.display, statePath: s.path, maxRetries: policy.maxRetries });
    const retryable = (category: ErrorCategory) => (policy.retryOn ? decides(policy.retryOn, category, false) : retryableByDefault(category));
    const inner = this.child(s, "$run", { onError: abs(`${s.path}.$check`), policies: [...s.policies, retryable] });
    const backoff = this.event({ type: `${s.display} retries after a backoff`, kind: "timer", path: s.display });
    this.offer(`${s.path}.$backoff`, () => [backoff]);
    const key = s.path;
    return {
      initial: "$run",
      entry: assign(({ context }: { context: ProjectionContext }) => ({ attempts: { ...context.attempts, [key]: 0 } })),
      states: {
        $run: this.flow(node.flow, inner, "$done"),
        $check: {
          always: [
            {
              guard: ({ context }: { context: ProjectionContext }) =>
                context.failure !== null && retryable(context.failure.category) && (context.attempts[key] ?? 0) < policy.maxRetries,
              target: "$backoff",
            },
            { target: s.onError },
          ],
        },
        $backoff: {
          on: {
            [backoff.type]: {
              target: "$run",
              actions: assign(({ context }: { context: ProjectionContext }) => ({
                attempts: { ...context.attempts, [key]: (context.attempts[key] ?? 0) + 1 },
                failure: null,
              })),
            },
          },
        },
        $done: { type: "final" },
      },
      onDone: { target: next },
    };
  }

  parallel(node: ParallelNode, s: PScope, next: string): object {
    const key = s.path;
    this.structure.parallels.push({ display: s.display, branches: node.branches.map((b) => `${s.display}.${b.key}`) });
    const regions: Record<string, object> = {};
    for (const branch of node.branches) {
      const regionPath = `${s.path}.$branches.${branch.key}`;
      const region: PScope = {
        ...s,
        path: regionPath,
        display: `${s.display}.${branch.key}`,
        onError: node.failFast ? abs(`${s.path}.$abort`) : abs(`${regionPath}.$failed`),
      };
      const collect = assign(({ context }: { context: ProjectionContext }) => ({
        collected: { ...context.collected, [key]: [...(context.collected[key] ?? []), context.failure?.category ?? "logic"] },
        failure: null,
      }));
      regions[branch.key] = {
        initial: "$run",
        states: {
          $run: this.flow(branch.flow, this.child(region, "$run"), "$ok"),
          $ok: { type: "final" },
          $failed: { type: "final", entry: collect },
        },
      };
    }
    const states: Record<string, object> = {
      $fork: { entry: assign(({ context }: { context: ProjectionContext }) => ({ collected: { ...context.collected, [key]: [] } })), always: "$branches" },
      $branches: { type: "parallel", states: regions, onDone: "$join" },
      $join: {
        always: [
          {
            guard: ({ context }: { context: ProjectionContext }) => (context.collected[key] ?? []).length > 0,
            target: s.onError,
            actions: assign(({ context }: { context: ProjectionContext }) => ({ failure: { path: s.display, category: dominantCategory(context.collected[key]!) } })),
          },
          { target: "$done" },
        ],
      },
      $done: { type: "final" },
    };
    if (node.failFast) states.$abort = { always: { target: s.onError, actions: failHere(s.display) } };
    return { initial: "$fork", states, onDone: { target: next } };
  }

  /** map and pipeline: one representative item through the stages (each item is a child machine: `Map[0].Stage`). */
  items(node: ItemsNode, s: PScope, next: string): object {
    const item: PScope = { ...s, path: `${s.path}.$running`, display: `${s.display}[0]`, onError: abs(`${s.path}.$itemFailed`), inputOf: { kind: "unknown" } };
    const stages: Record<string, object> = {};
    node.stages.forEach((stage, i) => {
      const name = stage.flow.name;
      stages[name] = this.flow(stage.flow, this.child(item, name), node.stages[i + 1]?.flow.name ?? "$ok");
    });
    stages.$ok = { type: "final" };
    return {
      initial: "$running",
      states: {
        $running: { initial: node.stages[0]!.flow.name, states: stages, onDone: "$join" },
        $itemFailed: { always: { target: s.onError, actions: failHere(s.display) } },
        $join: { always: "$done" },
        $done: { type: "final" },
      },
      onDone: { target: next },
    };
  }

  saga(node: SagaNode, s: PScope, next: string): object {
    const compensates = (category: ErrorCategory) => decides(node.compensates, category, true);
    const inner: PScope = {
      ...s,
      onError: abs(`${s.path}.$check`),
      policies: [...s.policies, compensates],
      saga: s.path,
      ...(node.escalation ? { escalation: node.escalation } : {}),
    };
    this.structure.sagas.push({ display: s.display, statePath: s.path, flows: node.flows.map((f) => `${s.display}.${f.name}`) });
    const before = this.structure.compensables.length;
    const states: Record<string, object> = {};
    let input = s.inputOf;
    node.flows.forEach((flow, i) => {
      states[flow.name] = this.flow(flow, this.child(inner, flow.name, { inputOf: input }), node.flows[i + 1]?.name ?? "$done");
      input = outputSource(flow);
    });
    const records = this.structure.compensables.slice(before).map((c) => c.display);
    states.$check = {
      always: [
        {
          guard: ({ context }: { context: ProjectionContext }) => context.failure !== null && (context.failure.aborted === true || compensates(context.failure.category)),
          target: "$compensating",
        },
        { target: "$compensated" },
      ],
    };
    states.$compensating = this.compensating(s.path, `${s.path}.$compensating`, records, abs(`${s.path}.$compensated`));
    if (node.recover) {
      states.$compensated = { always: { target: "$recover", actions: clearFailure } };
      states.$recover = this.flow(node.recover, this.child(s, "$recover", { inputOf: { kind: "unknown" } }), "$recovered");
      states.$recovered = { always: "$done" };
    } else {
      states.$compensated = { always: { target: s.onError } };
    }
    states.$done = { type: "final" };
    const owner = s.path;
    return {
      initial: node.flows[0]!.name,
      entry: assign(({ context }: { context: ProjectionContext }) => ({ bases: { ...context.bases, [owner]: context.stack.length } })),
      states,
      onDone: { target: next },
    };
  }

  compensating(owner: string, statePath: string, records: string[], next: string): object {
    if (records.length === 0) return { always: { target: next } };
    const pop = assign(({ context }: { context: ProjectionContext }) => ({ stack: context.stack.slice(0, -1) }));
    const byRecord = new Map<string, ProjectedEvent[]>();
    const on: Record<string, unknown> = {};
    for (const r of records) {
      const ok = this.event({ type: `${r} is compensated`, kind: "compensated", path: r });
      const bad = this.event({ type: `${r} compensation fails`, kind: "compensation-failed", path: r });
      byRecord.set(r, [ok, bad]);
      on[ok.type] = { target: "$next", actions: pop };
      on[bad.type] = { target: "$next", actions: pop };
    }
    this.offer(`${statePath}.$undo`, (ctx) => byRecord.get(ctx.stack[ctx.stack.length - 1]!) ?? []);
    return {
      initial: "$next",
      states: {
        $next: {
          always: [{ guard: ({ context }: { context: ProjectionContext }) => context.stack.length > (context.bases[owner] ?? 0), target: "$undo" }, { target: next }],
        },
        $undo: { on },
      },
    };
  }

  wait(node: WaitNode, s: PScope, next: string): object {
    const hasTimeout = node.timeoutMs !== undefined;
    this.structure.waits.push({ display: s.display, statePath: `${s.path}.$waiting`, hasTimeout });
    const receives = this.event({ type: `${s.display} receives ${node.event}`, kind: "receive", path: s.display, external: true });
    const offered = [receives];
    const on: Record<string, unknown> = { [receives.type]: "$received" };
    const states: Record<string, object> = { $received: { always: "$done" }, $done: { type: "final" } };
    if (hasTimeout) {
      const times = this.event({ type: `${s.display} times out after ${node.timeoutMs}ms`, kind: "wait-timeout", path: s.display });
      offered.push(times);
      if (node.onTimeout) {
        on[times.type] = node.onTimeout.name;
        states[node.onTimeout.name] = this.flow(node.onTimeout, this.child(s, node.onTimeout.name, { inputOf: s.inputOf }), "$done");
      } else {
        on[times.type] = "$timedOut";
        states.$timedOut = { always: { target: s.onError, actions: failWith(s.display, "logic") } };
      }
    }
    this.offer(`${s.path}.$waiting`, () => offered);
    states.$waiting = { on };
    return { initial: "$waiting", states, onDone: { target: next } };
  }

  childWorkflow(node: WorkflowNode, s: PScope, next: string): object {
    const key = node.flow.name;
    const inner = this.child(s, key, { inputOf: { kind: "unknown" } });
    const { escalation: _parent, ...rest } = inner;
    const scope: PScope = { ...rest, ...(node.escalation ? { escalation: node.escalation } : {}) };
    return { initial: key, states: { [key]: this.flow(node.flow, scope, "$done"), $done: { type: "final" } }, onDone: { target: next } };
  }

  escalated(node: StepNode, escalation: Escalation, s: PScope, next: string): object {
    const escalates = (category: ErrorCategory) => decides(escalation.escalates, category, true);
    const { escalation: _e, ...rest } = s;
    const inner = this.child(rest, "$run", { onError: abs(`${s.path}.$check`), policies: [...s.policies, escalates] });
    const op = (operator: "retry" | "skip" | "abort", verb: string) =>
      this.event({ type: `an operator ${verb} ${s.display}`, kind: "operator", path: s.display, operator, external: true });
    const retry = op("retry", "retries");
    const skip = op("skip", "skips");
    const abort = op("abort", "aborts");
    this.offer(`${s.path}.$escalated`, () => [retry, skip, abort]);
    return {
      initial: "$run",
      states: {
        $run: this.step(node, inner, "$done"),
        $check: {
          always: [
            { guard: ({ context }: { context: ProjectionContext }) => context.failure !== null && escalates(context.failure.category), target: "$escalated" },
            { target: s.onError },
          ],
        },
        $escalated: {
          on: {
            [retry.type]: { target: "$run", actions: clearFailure },
            [skip.type]: { target: "$done", actions: clearFailure },
            [abort.type]: {
              target: s.onError,
              actions: assign(({ context }: { context: ProjectionContext }) => ({ failure: { ...context.failure!, aborted: true } })),
            },
          },
        },
        $done: { type: "final" },
      },
      onDone: { target: next },
    };
  }

  /** A construct this projection does not know yet: one state that finishes or fails as a whole. */
  opaque(node: FlowNode, s: PScope, next: string): object {
    this.structure.unsupported.push({ kind: String((node as { kind: unknown }).kind), display: s.display });
    return this.dispatching(s, `${s.display} done`, next);
  }
}

/** Where the output of `flow` comes from, for the input of the flow after it. */
function outputSource(flow: FlowNode): InputSource {
  if (flow.kind === "step") return { kind: "step", node: flow };
  if (flow.kind === "sleep") return { kind: "unknown" }; // passes its input on, but we do not track it
  return { kind: "unknown" };
}

function initialContext(): ProjectionContext {
  return { failure: null, attempts: {}, stack: [], bases: {}, collected: {}, faults: [] };
}

/** Builds the projection of a workflow. */
export function project(wf: WorkflowNode, options: ProjectionOptions = {}): Projection {
  const maxFailures = options.maxFailures ?? 1;
  const p = new Projector();
  const flow = wf.flow;
  const scope: PScope = {
    path: flow.name,
    display: flow.name,
    onError: abs("$failed"),
    policies: [],
    timeouts: [],
    inputOf: { kind: "workflow" },
    ...(wf.escalation ? { escalation: wf.escalation } : {}),
  };
  const flowState = p.flow(flow, scope, "$done");
  const machine = createMachine({
    id: ROOT,
    initial: flow.name,
    context: initialContext(),
    states: { [flow.name]: flowState, $done: { type: "final" }, $failed: { type: "final" } },
  } as any);

  const offered = (snapshot: any): ProjectedEvent[] => {
    const ctx = snapshot.context as ProjectionContext;
    const active = [...(snapshot._nodes as Iterable<any>)];
    const out: ProjectedEvent[] = [];
    for (const node of active) {
      const offer = p.offers.get(node.path.join("."));
      if (!offer || !firstUnfinishedRegion(node, active)) continue;
      for (const e of offer(ctx)) {
        if (e.fault && !ctx.faults.includes(e.path) && ctx.faults.length >= maxFailures) continue;
        out.push(e);
      }
    }
    return out;
  };
  return { machine, events: p.events, offered, structure: p.structure };
}

/**
 * Canonical interleaving: inside a parallel state, only the first region (in
 * branch order) that has not finished moves. Regions are independent until
 * the join, so one order stands for all of them and paths stay few.
 */
function firstUnfinishedRegion(node: any, active: any[]): boolean {
  for (let n = node; n.parent; n = n.parent) {
    const parent = n.parent;
    if (parent.type !== "parallel") continue;
    for (const key of Object.keys(parent.states)) {
      const region = parent.states[key];
      if (region === n) break;
      if (!active.some((a) => a.parent === region && a.type === "final")) return false;
    }
  }
  return true;
}
