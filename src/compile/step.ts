// step -> an atomic state: entry dispatches the step to the executor, exit
// withdraws it, `stepchart.done.<path>` stores the output in the lane and moves
// on, `stepchart.error.<path>` records the failure and goes to the nearest
// handler. The step options `timeout` and `retry` wrap it: retry(timeout(step)).
// A step with a shared `limit` is a compound state: `$permit` (waiting for the
// limit) then `$run`; each attempt takes its own permit, inside its timeout.
import { assign } from "xstate";
import type { LimitConfig, StepNode } from "../dsl/flow.js";
import type { StepContext } from "../dsl/step-context.js";
import { fullPath, withFailure, withLane, type RunContext } from "./context.js";
import { guardWithBreaker } from "./breaker.js";
import { dispatch, doneEventOf, errorEventOf, withdraw, type Dispatchable, type Permit } from "./executor.js";
import type { MachineParts, Scope } from "./machine-parts.js";
import { compileRetry, RUN } from "./retry.js";
import { compileCompensate } from "./compensate.js";
import { compileEscalated } from "./escalate.js";
import { parseWith } from "./schema.js";
import type { RunServices } from "./services.js";
import { compileTimeout } from "./timeout.js";

export const DISPATCH = "stepchart.dispatch";
export const WITHDRAW = "stepchart.withdraw";
export const STORE = "stepchart.store";
export const FAIL = "stepchart.fail";
export const NOTE_CACHE = "stepchart.noteCache";

/** Registers the shared actions every dispatching state uses. */
export function registerDispatchActions(parts: MachineParts): void {
  parts.action(DISPATCH, () => ({ context, self }: { context: RunContext; self: any }, params: { key: string }) => {
    dispatch(parts.dispatchables.get(params.key)!, context, self);
  });
  parts.action(WITHDRAW, () => ({ self }: { self: any }, params: { key: string }) => withdraw(params.key, self));
  parts.action(STORE, () =>
    assign(({ context, event }: { context: RunContext; event: any }, params: { lane: number }): Partial<RunContext> => ({
      v: withLane(context.v, params.lane, event.output),
    })),
  );
  parts.action(NOTE_CACHE, () =>
    assign(({ context, event }: { context: RunContext; event: any }, params: { key: string }): Partial<RunContext> => {
      if (event.cached) return { cached: { ...context.cached, [params.key]: event.cached } };
      if (context.cached?.[params.key] === undefined) return {};
      const { [params.key]: _ran, ...rest } = context.cached;
      return { cached: rest };
    }),
  );
  parts.action(FAIL, () =>
    assign(({ context, event }: { context: RunContext; event: any }, params: { path: string; slot: string }): Partial<RunContext> =>
      withFailure(context, params.slot, { path: fullPath(context, params.path), error: event.error }),
    ),
  );
}

/** The state config of a dispatching atomic state (steps and route choosers). */
export function dispatchingState(d: Dispatchable, onDone: object | object[], scope: Pick<Scope, "onError" | "slot">) {
  return {
    entry: { type: DISPATCH, params: { key: d.key } },
    exit: { type: WITHDRAW, params: { key: d.key } },
    on: {
      [d.doneEvent]: onDone,
      [d.errorEvent]: { target: scope.onError, actions: { type: FAIL, params: { path: d.path, slot: scope.slot } } },
    },
    meta: { stepchart: { dispatch: d.key } },
  };
}

export function compileStep(node: StepNode, scope: Scope, next: string): object {
  // Wrappers, outermost first: escalate(compensate(retry(timeout(step)))).
  if (scope.escalation) return compileEscalated(node, scope.escalation, scope, next, compileStep);
  if (node.compensate) {
    const { compensate: undo, ...rest } = node;
    return compileCompensate({ kind: "compensate", name: node.name, flow: rest, undo }, scope, next);
  }
  if (node.retry) {
    const { retry: policy, ...rest } = node;
    return compileRetry({ kind: "retry", name: node.name, flow: rest, policy }, scope, next);
  }
  if (node.timeoutMs !== undefined) {
    const { timeoutMs, ...rest } = node;
    return compileTimeout({ kind: "timeout", name: node.name, flow: rest, timeoutMs }, scope, next);
  }
  registerDispatchActions(scope.parts);
  const { path, display, lane } = scope;
  const d: Dispatchable = {
    key: path,
    path: display,
    lane,
    doneEvent: doneEventOf(path),
    errorEvent: errorEventOf(path),
    ...(scope.attemptKey === undefined ? {} : { attemptKey: scope.attemptKey }),
    execute: makeExecute(node),
    ...(node.cache ? { cache: node.cache } : {}),
  };
  const store = { type: STORE, params: { lane } };
  const onDone = { target: next, actions: node.cache ? [store, { type: NOTE_CACHE, params: { key: path } }] : store };
  if (!node.limit) {
    scope.parts.addDispatchable(d);
    return dispatchingState(d, onDone, scope);
  }
  // A limited step waits in `$permit` until the limit grants it, then works in `$run`.
  const limited: Dispatchable = { ...d, permit: permitOf(node.limit, path) };
  scope.parts.addDispatchable(limited);
  return {
    ...dispatchingState(limited, onDone, scope),
    initial: PERMIT,
    states: { [PERMIT]: { on: { [limited.permit!.event]: RUN } }, [RUN]: {} },
  };
}

export const PERMIT = "$permit";

function permitOf(config: LimitConfig, path: string): Permit {
  return {
    event: `stepchart.permit.${path}`,
    acquire: (signal, services) => services.limiters.permit(config, services.clock, signal),
  };
}

/** The work of a plain step: its function with its schema checks and breaker. */
export function makeExecute(node: StepNode): Dispatchable["execute"] {
  const { run, inputSchema, outputSchema, breaker } = node;
  const checked =
    !inputSchema && !outputSchema
      ? run
      : async (input: unknown, ctx: StepContext) => {
          let value = input;
          if (inputSchema) {
            const parsed = parseWith(inputSchema, value, `input of step "${ctx.path}"`);
            if (!parsed.ok) throw parsed.error;
            value = parsed.value;
          }
          const output = await run(value, ctx);
          if (!outputSchema) return output;
          const parsed = parseWith(outputSchema, output, `output of step "${ctx.path}"`);
          if (!parsed.ok) throw parsed.error;
          return parsed.value;
        };
  if (!breaker) return checked;
  return (input: unknown, ctx: StepContext, services: RunServices) => guardWithBreaker(breaker, services, () => checked(input, ctx));
}
