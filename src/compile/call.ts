// call -> a state invoking the called workflow's machine, registered by name;
// when the called workflow is the one being compiled (recursion), once the
// calling machine exists (MachineParts.lateActor), so a workflow calling
// itself compiles once and the invoke finds the machine by name when it starts. With `input`, a `$input` state
// first makes the called workflow's input on a lane of its own (a throwing
// mapping fails the flow like a step would).
import { assign } from "xstate";
import type { CallNode } from "../dsl/flow.js";
import { toStepchartError } from "../errors.js";
import { failure, fullPath, withFailure, withKey, withLane, type RunContext } from "./context.js";
import { invokeChild } from "./child-workflow.js";
import { compileChild, isBeingCompiled } from "./compile.js";
import { assertFlow } from "../dsl/flow.js";
import { childScope, type Scope } from "./machine-parts.js";
import { DONE } from "./sequence.js";

const INPUT = "$input";
const CALL = "$call";

export function compileCall(node: CallNode, scope: Scope, next: string) {
  const { parts, path, display, lane } = scope;
  if (!node.input) return invokeChild(node.name, register(node, scope), scope, next, { knownOnly: true });
  const callScope = childScope(scope, CALL);
  const inputLane = parts.newLane();
  const mapInput = parts.action(`stepchart.call.input ${path}`, () =>
    assign(({ context }: { context: RunContext }): Partial<RunContext> => {
      try {
        return { v: withLane(context.v, inputLane, node.input!(context.v[lane])), sel: withKey(context.sel, path, "called") };
      } catch (thrown) {
        const error = toStepchartError(thrown, `input of call "${fullPath(context, display)}"`);
        return { sel: withKey(context.sel, path, "failed"), ...withFailure(context, scope.slot, failure(context, display, error)) };
      }
    }),
  );
  const failed = parts.guard(`${display}: input failed`, ({ context }) => context.sel[path] === "failed");
  return {
    initial: INPUT,
    states: {
      [INPUT]: { entry: mapInput, always: [{ guard: failed, target: scope.onError, description: "input failed" }, { target: CALL }] },
      [CALL]: invokeChild(node.name, register(node, callScope), callScope, DONE, { inputLane, knownOnly: true }),
      [DONE]: { type: "final" },
    },
    onDone: { target: next },
  };
}

/**
 * Registers the called workflow's machine under the state's path: at once when
 * it can be built now (its compensations then count for the caller's sagas),
 * once the calling machine exists when the called workflow is being compiled
 * (it calls itself, or calls back one of its callers).
 */
function register(node: CallNode, scope: Scope): string {
  const { parts, path } = scope;
  const name = `stepchart.call ${path}`;
  const make = () => {
    // compileChild caches by the flow itself: a flow calling itself gets its own machine back.
    const child = compileChild(called);
    parts.adoptCompensations(path, child);
    return child;
  };
  const called = node.workflow();
  assertFlow(called, `what call "${scope.display}" refers to`);
  return isBeingCompiled(called) ? parts.lateActor(name, make) : parts.actor(name, make);
}
