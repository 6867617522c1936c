// route -> a compound state: `$choose` dispatches the chooser (sync, async or
// an LLM) to the executor; its answer picks the route by guarded transitions
// on the done event, records the decision in context.sel and enters the
// route's state. An unknown name takes `fallback` or fails with InvalidRouteError.
import { assign } from "xstate";
import type { RouteNode } from "../dsl/flow.js";
import { InvalidRouteError } from "../errors.js";
import { failure, fullPath, withFailure, withKey, type RunContext } from "./context.js";
import { doneEventOf, errorEventOf, type Dispatchable } from "./executor.js";
import { compileFlow } from "./flow.js";
import { childScope, type Scope } from "./machine-parts.js";
import { DONE } from "./sequence.js";
import { dispatchingState, registerDispatchActions } from "./step.js";

export const CHOOSE = "$choose";

export function compileRoute(node: RouteNode, scope: Scope, next: string) {
  const { parts, path, display, lane } = scope;
  registerDispatchActions(parts);
  const key = `${path}.${CHOOSE}`;
  const names = Object.keys(node.routes);
  const d: Dispatchable = {
    key,
    path: display,
    lane,
    doneEvent: doneEventOf(key),
    errorEvent: errorEventOf(key),
    ...(scope.attemptKey === undefined ? {} : { attemptKey: scope.attemptKey }),
    execute: (input, ctx) => node.choose(input, ctx, names),
  };
  parts.addDispatchable(d);

  const record = parts.action(`stepchart.route ${path}`, () =>
    assign(({ context }: { context: RunContext }, params: { route: string }): Partial<RunContext> => ({
      sel: withKey(context.sel, path, params.route),
    })),
  );
  const onDone: object[] = names.map((name) => ({
    guard: parts.guard(`${display}: chose ${name}`, ({ event }) => event.output === name),
    target: name,
    actions: { type: record, params: { route: name } },
    description: name,
  }));
  if (node.fallback !== undefined) {
    onDone.push({ target: node.fallback, actions: { type: record, params: { route: node.fallback } }, description: "fallback" });
  } else {
    const invalid = parts.action(`stepchart.invalidRoute ${path}`, () =>
      assign(({ context, event }: { context: RunContext; event: any }): Partial<RunContext> =>
        withFailure(
          context,
          scope.slot,
          failure(
            context,
            display,
            new InvalidRouteError(
              `Route "${fullPath(context, display)}" chose ${describeChoice(event.output)}, which is not one of ${names.map((n) => `"${n}"`).join(", ")}; return one of them or set \`fallback\``,
              { details: { chosen: typeof event.output === "string" ? event.output.slice(0, 200) : null, routes: names } },
            ),
          ),
        ),
      ),
    );
    onDone.push({ target: scope.onError, actions: invalid, description: "unknown route" });
  }

  const states: Record<string, object> = { [CHOOSE]: dispatchingState(d, onDone, scope) };
  for (const name of names) states[name] = compileFlow(node.routes[name]!, childScope(scope, name), DONE);
  states[DONE] = { type: "final" };
  return { initial: CHOOSE, states, onDone: { target: next } };
}

function describeChoice(choice: unknown): string {
  if (typeof choice === "string") return JSON.stringify(choice.length > 60 ? `${choice.slice(0, 57)}...` : choice);
  return `a ${choice === null ? "null" : typeof choice} instead of a route name`;
}
