// Compiles any flow node by its kind; each pattern lives in its own file.
import type { FlowNode } from "../dsl/flow.js";
import { DefinitionError } from "../errors.js";
import { compileChoose } from "./choose.js";
import type { Scope } from "./machine-parts.js";
import { compileRoute } from "./route.js";
import { compileSequence } from "./sequence.js";
import { compileStep } from "./step.js";

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
    case "workflow":
      throw new DefinitionError(
        `Workflow "${node.name}" is used inside another workflow at "${scope.path}"; child workflows are not supported yet, use its flow instead (\`${node.name}.flow\`)`,
      );
  }
}
