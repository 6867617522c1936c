// compensate -> a compound state around the flow whose onDone pushes a record
// (path, compensation machine, output) onto the run's stack; the compensation
// itself is compiled once as a child machine registered by name, spawned by a
// saga's `$compensating` state (or the run's, on cancel) when needed.
import { assign } from "xstate";
import type { CompensateNode } from "../dsl/flow.js";
import { compileChild } from "./compile.js";
import { fullPath, type RunContext, type StackRecord } from "./context.js";
import { compileFlow } from "./flow.js";
import { childScope, type MachineParts, type Scope } from "./machine-parts.js";
import { RUN } from "./retry.js";
import { DONE } from "./sequence.js";
import { makeExecute } from "./step.js";

export const PUSH = "stepchart.push";

export function registerPush(parts: MachineParts): void {
  parts.action(PUSH, () =>
    assign(({ context }: { context: RunContext }, params: { path: string; undo: string; lane: number }): Partial<RunContext> => {
      const record: StackRecord = { path: fullPath(context, params.path), undo: params.undo, output: context.v[params.lane] };
      return { stack: [...context.stack, record] };
    }),
  );
}

export function compileCompensate(node: CompensateNode, scope: Scope, next: string) {
  const { parts, path, display, lane } = scope;
  registerPush(parts);
  // A plain step (a function given to compensate()) runs in the executor; any other flow as a child machine.
  const u = node.undo;
  const name = `stepchart.undo ${path}`;
  const undo =
    u.kind === "step" && !u.retry && u.timeoutMs === undefined && !u.compensate
      ? parts.undoStep(name, { name: u.name, execute: makeExecute(u) })
      : parts.undo(name, () => compileChild(u));
  return {
    initial: RUN,
    states: {
      [RUN]: compileFlow(node.flow, childScope(scope, RUN), DONE),
      [DONE]: { type: "final" },
    },
    onDone: { target: next, actions: { type: PUSH, params: { path: display, undo, lane } } },
    meta: { stepchart: { compensate: undo } },
  };
}
