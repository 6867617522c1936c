// choose -> a compound state whose `$select` state tests the cases once on
// entry (the decision goes into context.sel, so a restore never re-tests) and
// leaves by guarded eventless transitions, one per case, each guard named
// after the case's label; then `otherwise`, or NoMatchingCaseError.
import { assign } from "xstate";
import type { ChooseNode } from "../dsl/flow.js";
import { NoMatchingCaseError, toStepchartError } from "../errors.js";
import { failure, fullPath, withFailure, withKey, type RunContext } from "./context.js";
import { compileFlow } from "./flow.js";
import { childScope, type Scope } from "./machine-parts.js";
import { DONE } from "./sequence.js";

export const SELECT = "$select";
const NO_MATCH = -1;
const THREW = -2;

export function compileChoose(node: ChooseNode, scope: Scope, next: string) {
  const { parts, path, display, lane } = scope;
  const select = parts.action(`stepchart.select ${path}`, () =>
    assign(({ context }: { context: RunContext }): Partial<RunContext> => {
      const input = context.v[lane];
      let index = 0;
      try {
        for (; index < node.cases.length; index++) {
          if (node.cases[index]!.when(input)) return { sel: withKey(context.sel, path, index) };
        }
        return { sel: withKey(context.sel, path, NO_MATCH) };
      } catch (thrown) {
        const where = `the \`when\` of case "${node.cases[index]!.label}" of choose "${fullPath(context, display)}"`;
        return { sel: withKey(context.sel, path, THREW), ...withFailure(context, scope.slot, failure(context, display, toStepchartError(thrown, where))) };
      }
    }),
  );
  const threw = parts.guard(`${display}: a case threw`, ({ context }) => context.sel[path] === THREW);
  const transitions: object[] = [{ guard: threw, target: scope.onError, description: "a case threw" }];
  const states: Record<string, object> = { [SELECT]: { entry: select, always: transitions } };
  node.cases.forEach((c, i) => {
    const key = c.then.name;
    const guard = parts.guard(`${display}: ${c.label}`, ({ context }) => context.sel[path] === i);
    transitions.push({ guard, target: key, description: c.label });
    states[key] = compileFlow(c.then, childScope(scope, key), DONE);
  });
  if (node.otherwise) {
    transitions.push({ target: node.otherwise.name, description: "otherwise" });
    states[node.otherwise.name] = compileFlow(node.otherwise, childScope(scope, node.otherwise.name), DONE);
  } else {
    const labels = node.cases.map((c) => `"${c.label}"`).join(", ");
    const noMatch = parts.action(`stepchart.noMatch ${path}`, () =>
      assign(({ context }: { context: RunContext }): Partial<RunContext> =>
        withFailure(
          context,
          scope.slot,
          failure(
            context,
            display,
            new NoMatchingCaseError(
              `No case of choose "${fullPath(context, display)}" matched its input (tested ${labels}) and it has no \`otherwise\`; add an \`otherwise\` flow or a case for this input`,
            ),
          ),
        ),
      ),
    );
    transitions.push({ target: scope.onError, actions: noMatch, description: "no case matched" });
  }
  states[DONE] = { type: "final" };
  return { initial: SELECT, states, onDone: { target: next } };
}
