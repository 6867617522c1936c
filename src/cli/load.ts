// Loads workflows from users' modules: one workflow (the default export, the
// named export asked for, or the only one), or every workflow of the modules
// in a list of files and folders.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
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

const MODULE = /\.(ts|mts|js|mjs)$/;

/** A file as it is, or the modules directly inside a folder (sorted, minus `skip`). */
export function modulesAt(path: string, skip: readonly string[]): string[] {
  const isDir = (() => {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false; // loadWorkflow reports the missing file
    }
  })();
  if (!isDir) return [posix(path)];
  return readdirSync(path)
    .filter((name) => MODULE.test(name) && !name.endsWith(".d.ts") && !skip.includes(name))
    .sort()
    .map((name) => posix(join(path, name)));
}

/** The workflow asked for, or every workflow the module exports (every flow when it exports no workflow). */
export async function workflowsOf(file: string, exportName: string | undefined): Promise<FlowNode[]> {
  if (exportName !== undefined) return [await loadWorkflow(file, exportName)];
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`Expected a workflow file at ${path}, found none`);
  const module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  // `export default wf` next to `export const wf` is one workflow, drawn once.
  const flows = [...new Set(Object.values(module).filter(isFlow))];
  const workflows = flows.filter((f) => f.kind === "workflow");
  if (flows.length === 0) throw new UsageError(`Expected ${file} to export a workflow, found none`);
  return workflows.length > 0 ? workflows : flows;
}

/** Every workflow exported by the modules at `paths` (files or folders), each once. */
export async function loadWorkflows(paths: readonly string[], skip: readonly string[] = []): Promise<FlowNode[]> {
  const all = new Set<FlowNode>();
  for (const module of paths.flatMap((p) => modulesAt(p, skip))) {
    for (const flow of await workflowsOf(module, undefined)) if (flow.kind === "workflow") all.add(flow);
  }
  return [...all];
}

/** A path relative to the current folder, with `/` separators. */
export function posix(path: string): string {
  const rel = relative(process.cwd(), resolve(path)) || ".";
  return rel.split(sep).join("/");
}
