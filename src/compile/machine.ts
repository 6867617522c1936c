// The compiled machine: a real XState StateMachine with three additions that
// durable steps need. After a restore it re-dispatches the steps that were in
// flight (XState re-runs no entry actions on restore); when its actor stops it
// withdraws every running step; `provide` keeps both.
import {
  StateMachine,
  type AnyActorRef,
  type AnyEventObject,
  type EventObject,
  type MachineSnapshot,
  type MetaObject,
  type ParameterizedObject,
  type ProvidedActor,
  type StateSchema,
  type StateValue,
} from "xstate";
import type { AnyActorLogic } from "xstate";
import type { RunContext } from "./context.js";
import type { UndoStep, WaitInfo } from "./machine-parts.js";
import { dispatch, withdrawAll, type Dispatchable } from "./executor.js";
import { servicesOf } from "./services.js";

/** A compiled workflow: an XState v5 machine whose input and output are the workflow's. */
export type WorkflowMachine<TInput = any, TOutput = any> = StateMachine<
  RunContext,
  AnyEventObject,
  Record<string, AnyActorRef | undefined>,
  ProvidedActor,
  ParameterizedObject,
  ParameterizedObject,
  string,
  StateValue,
  string,
  TInput,
  TOutput,
  EventObject,
  MetaObject,
  StateSchema
>;

export type RunSnapshot = MachineSnapshot<RunContext, AnyEventObject, Record<string, AnyActorRef | undefined>, StateValue, string, unknown, MetaObject, StateSchema>;

/** What the compiler knows about a machine beyond its config. */
export interface MachineInfo {
  readonly workflow: string;
  readonly version: string;
  readonly dispatchables: ReadonlyMap<string, Dispatchable>;
  /** Compensation machines by name, including those of child machines (prefixed with their owner's path). */
  readonly compensations: ReadonlyMap<string, AnyActorLogic>;
  /** Compensations that are plain steps, by the same kind of names. */
  readonly undoSteps: ReadonlyMap<string, UndoStep>;
  /** The waits of this machine by state path. */
  readonly waits: ReadonlyMap<string, WaitInfo>;
}

type Impl = ConstructorParameters<typeof StateMachine>[1];
type AnyScope = { self: AnyActorRef };

const restored = new WeakSet<object>();

export class CompiledMachine extends StateMachine<any, any, any, any, any, any, any, any, any, any, any, any, any, any> {
  constructor(
    config: ConstructorParameters<typeof StateMachine>[0],
    implementations: Impl,
    readonly info: MachineInfo,
  ) {
    super(config, implementations);
  }

  override restoreSnapshot(snapshot: any, actorScope: any): any {
    const state = super.restoreSnapshot(snapshot, actorScope);
    restored.add(state);
    return state;
  }

  override start(snapshot: any, actorScope?: AnyScope): void {
    super.start(snapshot);
    if (!restored.has(snapshot) || !actorScope) return;
    restored.delete(snapshot);
    for (const meta of Object.values(snapshot.getMeta() as Record<string, any>)) {
      const key = meta?.stepchart?.dispatch as string | undefined;
      const d = key === undefined ? undefined : this.info.dispatchables.get(key);
      if (d) dispatch(d, snapshot.context as RunContext, actorScope.self);
    }
  }

  override transition(snapshot: any, event: any, actorScope: any): any {
    if (event.type === "xstate.stop") withdrawAll(actorScope.self);
    else servicesOf(actorScope.self).onTransition?.(actorScope.self);
    return super.transition(snapshot, event, actorScope);
  }

  override provide(implementations: any): any {
    const merged = {
      actions: { ...this.implementations.actions, ...implementations.actions },
      guards: { ...this.implementations.guards, ...implementations.guards },
      actors: { ...this.implementations.actors, ...implementations.actors },
      delays: { ...this.implementations.delays, ...implementations.delays },
    };
    return new CompiledMachine(this.config, merged, this.info);
  }
}
