// compile(): a workflow (or any flow) -> a real XState v5 machine, built once
// per definition and cached. The only code that builds machines.
import type { Flow, FlowNode, WorkflowNode } from "../dsl/flow.js";
import type { Workflow } from "../dsl/workflow.js";
import { workflow } from "../dsl/workflow.js";
import { CompiledMachine, type WorkflowMachine } from "./machine.js";
import { compileRoot, type RootMode } from "./workflow.js";

const caches: Record<RootMode, WeakMap<FlowNode, CompiledMachine>> = { run: new WeakMap(), child: new WeakMap() };

/** The workflow node for any flow: a workflow as it is, any other flow wrapped in a workflow of the same name. */
export function asWorkflow(flow: FlowNode): WorkflowNode {
  return flow.kind === "workflow" ? flow : workflow(flow.name, flow);
}

/** Flows whose machine is being built, with how many builds of each are under way (call: a workflow calling itself). */
const building = new Map<FlowNode, number>();

/** True while the machine of `flow` is being built: a `call` to it must wait until the machine exists. */
export function isBeingCompiled(flow: FlowNode): boolean {
  return building.has(flow);
}

function build(flow: FlowNode, mode: RootMode): CompiledMachine {
  let machine = caches[mode].get(flow);
  if (!machine) {
    const wf = asWorkflow(flow);
    building.set(flow, (building.get(flow) ?? 0) + 1);
    let root: ReturnType<typeof compileRoot>;
    try {
      root = compileRoot(wf, mode);
    } finally {
      const n = building.get(flow)! - 1;
      if (n === 0) building.delete(flow);
      else building.set(flow, n);
    }
    const { config, parts } = root;
    machine = new CompiledMachine(
      config as any,
      { actions: parts.actions, guards: parts.guards, actors: parts.actors, delays: {} },
      { workflow: wf.name, version: wf.version, dispatchables: parts.dispatchables, compensations: parts.compensations, undoSteps: parts.undoSteps, waits: parts.waits },
    );
    caches[mode].set(flow, machine);
    // After the cache holds it: a late actor may be this very workflow (call).
    for (const late of parts.lateActors) parts.actors[late.name] ??= late.make();
  }
  return machine;
}

/**
 * Compiles a workflow to an XState v5 machine (cached per definition).
 * @example
 * const machine = compile(ingestion);
 * createActor(machine, { input }).start();
 */
export function compile<TInput, TOutput>(flow: Workflow<TInput, TOutput> | Flow<TInput, TOutput>): WorkflowMachine<TInput, TOutput> {
  return build(flow, "run") as unknown as WorkflowMachine<TInput, TOutput>;
}

/** The machine of a flow run as a child of another machine (a map item, a child workflow). */
export function compileChild(flow: FlowNode): CompiledMachine {
  return build(flow, "child");
}

/** The compiler's facts about a compiled machine (workflow name, version, dispatchables). */
export function machineInfo(machine: WorkflowMachine): CompiledMachine["info"] {
  return (machine as unknown as CompiledMachine).info;
}
