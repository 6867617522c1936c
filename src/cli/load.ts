// Loads workflows from a user's module: the default export, or the named
// export asked for, or the only exported workflow.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { isFlow, type FlowNode } from "../dsl/flow.js";
import { UsageError } from "./usage-error.js";

export async function loadWorkflow(file: string, exportName?: string): Promise<FlowNode> {
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`Expected a workflow file at ${path}, found none`);
  const module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  if (exportName !== undefined) {
    const chosen = module[exportName];
    if (!isFlow(chosen)) throw new UsageError(`Expected ${file} to export a workflow named "${exportName}", got ${chosen === undefined ? "no such export" : "something else"}`);
    return chosen;
  }
  if (isFlow(module.default)) return module.default;
  const flows = Object.entries(module).filter(([, value]) => isFlow(value));
  const workflows = flows.filter(([, value]) => (value as FlowNode).kind === "workflow");
  const candidates = workflows.length > 0 ? workflows : flows;
  if (candidates.length === 1) return candidates[0]![1] as FlowNode;
  if (candidates.length === 0) throw new UsageError(`Expected ${file} to export a workflow, found none`);
  throw new UsageError(
    `${file} exports several workflows (${candidates.map(([k]) => k).join(", ")}); pick one with --workflow <name>`,
  );
}
