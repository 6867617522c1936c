// Compiles any flow node by its kind; each pattern lives in its own file.
import type { FlowNode } from "../dsl/flow.js";
import { DefinitionError } from "../errors.js";
import { compileChoose } from "./choose.js";
import { compileItems } from "./items.js";
import type { Scope } from "./machine-parts.js";
import { compileParallel } from "./parallel.js";
import { compileRetry } from "./retry.js";
import { compileRoute } from "./route.js";
import { compileSequence } from "./sequence.js";
import { compileStep } from "./step.js";
import { compileTimeout } from "./timeout.js";

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
    case "workflow":
      throw new DefinitionError(
        `Workflow "${node.name}" is used inside another workflow at "${scope.display}"; child workflows are not supported yet, use its flow instead (\`${node.name}.flow\`)`,
      );
  }
}
