// The durable commands of `stepchart`: start, signal, status, list, cancel.
// start and signal run the engine in this process until the run has ended or
// waits; status and list only read the store.
import { readInput } from "./input.js";
import { loadWorkflow } from "./load.js";
import { COMMON_OPTIONS, exitCodeOf, openSession, openStore, parse, printRun, settle } from "./session.js";
import { UsageError } from "./usage-error.js";
import type { RunStatus } from "../store/store.js";
import { errorFromJSON } from "../errors.js";

const WORKFLOWS = { workflows: { type: "string", multiple: true, default: ["machines/index.ts"] as string[] } } as const;

/** stepchart start <file> [--workflow name] [--input json|@file] [--run-id id] [--store path] [--json] */
export async function startCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    ...COMMON_OPTIONS,
    workflow: { type: "string" },
    input: { type: "string" },
    "run-id": { type: "string" },
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError("Expected exactly one workflow file: stepchart start <file> [--input json|@file]");
  const flow = await loadWorkflow(file, values.workflow);
  const input = readInput(values.input);
  const session = await openSession(values.store, [file], values.json);
  try {
    const { runId, created } = await session.engine.start(flow.name, input, values["run-id"] ? { runId: values["run-id"] } : {});
    if (!created && !values.json) console.error(`run ${runId} exists already; showing it`);
    const view = await settle(session.engine, runId);
    printRun(view, values.json, values.verbose);
    return exitCodeOf(view);
  } finally {
    await session.close();
  }
}

/** stepchart signal <runId> <EVENT> [json] [--workflows file|dir]... [--store path] [--json] */
export async function signalCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...COMMON_OPTIONS, ...WORKFLOWS });
  const [runId, type, payload] = positionals;
  if (!runId || !type || positionals.length > 3) throw new UsageError("Expected: stepchart signal <runId> <EVENT> [json]");
  const data = payload === undefined ? {} : readInput(payload);
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw new UsageError(`Expected the event's payload to be a JSON object, got ${JSON.stringify(data)}`);
  const session = await openSession(values.store, values.workflows, values.json);
  try {
    await session.engine.signal(runId, { ...(data as object), type });
    const view = await settle(session.engine, runId);
    printRun(view, values.json, values.verbose);
    return exitCodeOf(view);
  } finally {
    await session.close();
  }
}

/** stepchart cancel <runId> [--workflows file|dir]... [--store path] [--json] */
export async function cancelCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...COMMON_OPTIONS, ...WORKFLOWS });
  const [runId] = positionals;
  if (!runId || positionals.length > 1) throw new UsageError("Expected: stepchart cancel <runId>");
  const session = await openSession(values.store, values.workflows, values.json);
  try {
    await session.engine.cancel(runId);
    const view = (await session.engine.get(runId))!;
    printRun(view, values.json, values.verbose);
    return 0;
  } finally {
    await session.close();
  }
}

/** stepchart status <runId> [--store path] [--json] */
export async function statusCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, COMMON_OPTIONS);
  const [runId] = positionals;
  if (!runId || positionals.length > 1) throw new UsageError("Expected: stepchart status <runId>");
  const store = openStore(values.store);
  try {
    const record = await store.getRun(runId);
    if (!record) throw new UsageError(`No run with id ${runId} in ${values.store}`);
    const view = {
      runId: record.runId,
      workflow: record.workflow,
      version: record.version,
      status: record.status,
      waitingFor: JSON.parse(record.waitingFor) as string[],
      wakeAt: record.wakeAt,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
      ...(record.output !== null ? { output: JSON.parse(record.output) } : {}),
      ...(record.error !== null ? { error: errorFromJSON(JSON.parse(record.error)) } : {}),
    };
    printRun(view, values.json, values.verbose);
    return exitCodeOf(view);
  } finally {
    await store.close();
  }
}

const STATUSES: RunStatus[] = ["running", "waiting", "escalated", "done", "failed", "cancelled"];

/** stepchart list [--status s] [--workflow w] [--limit n] [--store path] [--json] */
export async function listCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...COMMON_OPTIONS, status: { type: "string" }, workflow: { type: "string" }, limit: { type: "string", default: "50" } });
  if (positionals.length > 0) throw new UsageError("Expected no arguments: stepchart list [--status s] [--workflow w] [--limit n]");
  if (values.status !== undefined && !STATUSES.includes(values.status as RunStatus)) {
    throw new UsageError(`Expected --status to be one of ${STATUSES.join(", ")}, got ${JSON.stringify(values.status)}`);
  }
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`Expected --limit to be a positive integer, got ${JSON.stringify(values.limit)}`);
  const store = openStore(values.store);
  try {
    const runs = await store.listRuns({
      ...(values.status ? { status: values.status as RunStatus } : {}),
      ...(values.workflow ? { workflow: values.workflow } : {}),
      limit,
    });
    if (values.json) {
      console.log(JSON.stringify(runs.map((r) => ({ runId: r.runId, workflow: r.workflow, version: r.version, status: r.status, createdAt: r.createdAt, updatedAt: r.updatedAt }))));
    } else if (runs.length === 0) {
      console.log("no runs");
    } else {
      const width = Math.max(...runs.map((r) => r.runId.length), 6);
      for (const r of runs) console.log(`${r.runId.padEnd(width)}  ${r.workflow.padEnd(22)} ${r.status.padEnd(9)} ${new Date(r.updatedAt).toISOString()}`);
    }
    return 0;
  } finally {
    await store.close();
  }
}
