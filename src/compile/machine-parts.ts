// What compiling one workflow collects besides the state config: the named
// actions, guards and actors for setup(), the table of dispatchables, and the
// lanes. Patterns register their implementations here by name; the config
// refers to them only by name (inline functions cannot be persisted).
import type { AnyActorLogic } from "xstate";
import type { ZodType } from "zod";
import type { Escalation } from "../dsl/flow.js";
import { DefinitionError } from "../errors.js";
import type { Dispatchable } from "./executor.js";

/** A compensation that is a plain step: its name (the last segment of its path) and its work. */
export interface UndoStep {
  readonly name: string;
  readonly execute: Dispatchable["execute"];
}

/** A wait the runtime can deliver events to: its event type and payload schema. */
export interface WaitInfo {
  readonly event: string;
  readonly schema?: ZodType;
  /** The wait's display path. */
  readonly path: string;
}

/** setup() implementations keyed by name; typed loosely on purpose: only src/compile sees them. */
export type ActionImpl = any;
export type GuardImpl = (args: { context: any; event: any }, params: any) => boolean;

export class MachineParts {
  readonly actions: Record<string, ActionImpl> = {};
  readonly guards: Record<string, GuardImpl> = {};
  readonly actors: Record<string, AnyActorLogic> = {};
  readonly dispatchables = new Map<string, Dispatchable>();
  /** Compensation machines by the name stack records refer to (also registered as actors). */
  readonly compensations = new Map<string, AnyActorLogic>();
  /** Compensations that are plain steps, run by the executor without a child machine, by the same names. */
  readonly undoSteps = new Map<string, UndoStep>();
  /** Waits by state path. */
  readonly waits = new Map<string, WaitInfo>();
  /**
   * What the state holding the whole flow adds while the flow runs: the
   * transitions that keep buffered events, and the waits (`{ key, event }`)
   * whose events it therefore accepts at any time.
   */
  readonly whileRunning = { on: {} as Record<string, object>, buffers: [] as { key: string; event: string }[] };
  #lanes = 1;

  constructor(readonly rootId: string) {}

  /** A new lane (register) for a branch; lane 0 is the run's main line. */
  newLane(): number {
    return this.#lanes++;
  }

  get laneCount(): number {
    return this.#lanes;
  }

  /** Registers a shared action once per machine. */
  action(name: string, make: () => ActionImpl): string {
    this.actions[name] ??= make();
    return name;
  }

  /** Registers a guard under a readable, unique name and returns that name. */
  guard(preferredName: string, impl: GuardImpl): string {
    let name = preferredName;
    for (let n = 2; name in this.guards; n++) name = `${preferredName} (${n})`;
    this.guards[name] = impl;
    return name;
  }

  /** Registers a shared actor logic once per machine. */
  actor(name: string, make: () => AnyActorLogic): string {
    this.actors[name] ??= make();
    return name;
  }

  /** Registers a compensation machine under `name` (as an actor too, so it can be spawned and persisted). */
  undo(name: string, make: () => AnyActorLogic): string {
    if (!this.compensations.has(name)) {
      const logic = make();
      this.compensations.set(name, logic);
      this.actors[name] = logic;
    }
    return name;
  }

  /** Registers a compensation that is a plain step under `name`. */
  undoStep(name: string, step: UndoStep): string {
    if (!this.undoSteps.has(name)) this.undoSteps.set(name, step);
    return name;
  }

  /** Registers the compensations of a child machine under `${owner}/` (its stack records are renamed the same way). */
  adoptCompensations(owner: string, child: { info: { compensations: ReadonlyMap<string, AnyActorLogic>; undoSteps: ReadonlyMap<string, UndoStep> } }): void {
    // Copies: a machine calling itself (call) adopts its own compensations.
    for (const [name, logic] of [...child.info.compensations]) this.undo(`${owner}/${name}`, () => logic);
    for (const [name, step] of [...child.info.undoSteps]) this.undoStep(`${owner}/${name}`, step);
  }

  /**
   * Actors registered once the machine exists (`call`): a workflow calling
   * itself needs its own machine. XState resolves `src` names when an invoke
   * starts, so filling them in after the machine is built is enough.
   */
  readonly lateActors: { name: string; make: () => AnyActorLogic }[] = [];

  lateActor(name: string, make: () => AnyActorLogic): string {
    this.lateActors.push({ name, make });
    return name;
  }

  addDispatchable(d: Dispatchable): void {
    if (this.dispatchables.has(d.key)) {
      throw new DefinitionError(`Expected every state path to be unique, got "${d.key}" twice`);
    }
    this.dispatchables.set(d.key, d);
  }

  /** The absolute target (`#root.a.b`) of a state path. */
  target(path: string): string {
    return `#${this.rootId}.${path}`;
  }
}

/** Where a compiled flow is placed: its path, its lane and where its failures go. */
export interface Scope {
  readonly parts: MachineParts;
  /** The state path of this flow, relative to the root (`Seq.$branches.a.Step`). */
  readonly path: string;
  /**
   * The path users see (ctx.path, WorkflowFailed.step, idempotency keys): the
   * state path without stepchart's own `$` states (`Seq.a.Step`).
   */
  readonly display: string;
  /** The lane holding this flow's input; the flow writes its output there. */
  readonly lane: number;
  /** The absolute target a failure inside this flow transitions to. */
  readonly onError: string;
  /** Where failures inside this flow are recorded (`context.errors[slot]`): one slot per parallel region. */
  readonly slot: string;
  /** The retry block whose attempt counter applies inside this flow, if any. */
  readonly attemptKey?: string;
  /** Escalation of failed steps inside this flow (from the nearest saga or the workflow), if on. */
  readonly escalation?: Escalation;
}

export function childScope(scope: Scope, key: string, changes: Partial<Omit<Scope, "parts" | "path" | "display">> = {}): Scope {
  return {
    ...scope,
    ...changes,
    path: `${scope.path}.${key}`,
    display: key.startsWith("$") ? scope.display : scope.display === "" ? key : `${scope.display}.${key}`,
  };
}
