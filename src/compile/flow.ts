// Compiles any flow node by its kind; each pattern lives in its own file.
import type { FlowNode } from "../dsl/flow.js";
import { compileCall } from "./call.js";
import { compileCancelOn } from "./cancel-on.js";
import { compileChildWorkflow } from "./child-workflow.js";
import { compileCritical } from "./critical.js";
import { compileChoose } from "./choose.js";
import { compileCompensate } from "./compensate.js";
import { compileItems } from "./items.js";
import type { Scope } from "./machine-parts.js";
import { compileParallel } from "./parallel.js";
import { compileRetry } from "./retry.js";
import { compileRoute } from "./route.js";
import { compileSaga } from "./saga.js";
import { compileSequence } from "./sequence.js";
import { compileSleep } from "./sleep.js";
import { compileStep } from "./step.js";
import { compileTimeout } from "./timeout.js";
import { compileWaitFor } from "./wait-for.js";

/** The state config of `node`, placed at `scope`; `next` is the sibling state to enter when it is done. */
export function compileFlow(node: FlowNode, scope: Scope, next: string): object {
  switch (node.kind) {
    case "step":
      return compileStep(node, scope, next);
    case "sequence":
      return compileSequence(node, scope, next);
    case "choose":
      return compileChoose(node, scope, next);
    case "route":
      return compileRoute(node, scope, next);
    case "retry":
      return compileRetry(node, scope, next);
    case "timeout":
      return compileTimeout(node, scope, next);
    case "parallel":
      return compileParallel(node, scope, next);
    case "map":
    case "pipeline":
      return compileItems(node, scope, next);
    case "compensate":
      return compileCompensate(node, scope, next);
    case "saga":
      return compileSaga(node, scope, next);
    case "wait":
      return compileWaitFor(node, scope, next);
    case "sleep":
      return compileSleep(node, scope, next);
    case "workflow":
      return compileChildWorkflow(node, scope, next);
    case "cancelOn":
      return compileCancelOn(node, scope, next);
    case "critical":
      return compileCritical(node, scope, next);
    case "call":
      return compileCall(node, scope, next);
  }
}
