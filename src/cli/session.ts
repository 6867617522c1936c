// What the durable CLI commands share: opening the store named by --store,
// an engine with the workflows of --workflows and live progress, waiting for
// a run to stop running, and printing a run.
import { parseArgs } from "node:util";
import { systemClock } from "../clock.js";
import { createEngine, type Engine, type RunView } from "../engine/engine.js";
import { sqliteStore } from "../store/sqlite/sqlite-store.js";
import type { Store } from "../store/store.js";
import { codecStore } from "../store/codec.js";
import { aesGcmCodec } from "../store/aes-gcm-codec.js";
import { FINAL_STATUSES } from "../store/store.js";
import { loadWorkflows } from "./load.js";
import { progressReporter, type Progress } from "./progress.js";
import { describeFailure } from "./report.js";
import { UsageError } from "./usage-error.js";

export const DEFAULT_STORE = ".stepchart/stepchart.db";

export const COMMON_OPTIONS = {
  store: { type: "string", default: DEFAULT_STORE },
  json: { type: "boolean", default: false },
  verbose: { type: "boolean", default: false },
} as const;

/** parseArgs, with mistakes reported as usage errors. */
export function parse<const TOptions extends NonNullable<Parameters<typeof parseArgs>[0]>["options"]>(args: string[], options: TOptions) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/**
 * The store a `--store` value names: a SQLite file path. With STEPCHART_KEYS
 * set (`<id>=<base64 key>,…`, the first one current) every payload is
 * encrypted with AES-256-GCM.
 */
export function openStore(spec: string): Store {
  if (/^postgres(ql)?:\/\//.test(spec)) {
    throw new UsageError("PostgreSQL stores are used through `stepchart worker --store postgres://…`; this command takes a SQLite path");
  }
  const keys = process.env.STEPCHART_KEYS;
  return keys ? codecStore(sqliteStore(spec), aesGcmCodec({ keys: parseKeys(keys) })) : sqliteStore(spec);
}

function parseKeys(text: string): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw new UsageError("Expected STEPCHART_KEYS to look like <id>=<base64 key>[,<id>=<base64 key>…] (the first is current)");
    keys[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return keys;
}

export interface Session {
  engine: Engine;
  progress: Progress | undefined;
  close(): Promise<void>;
}

/** An engine on the store with the workflows of `workflowPaths`, reporting progress unless --json. */
export async function openSession(store: string, workflowPaths: string[], json: boolean): Promise<Session> {
  const workflows = await loadWorkflows(workflowPaths, ["demo.ts"]);
  const progress = json ? undefined : progressReporter({ out: process.stderr, clock: systemClock });
  const opened = openStore(store);
  const engine = createEngine({
    workflows,
    store: opened,
    log: () => undefined,
    ...(progress ? { inspect: progress.inspect } : {}),
  });
  await engine.ready;
  return {
    engine,
    progress,
    close: async () => {
      progress?.stop();
      await engine.close();
      await opened.close();
    },
  };
}

/** Waits until the run has ended or waits for something (an event, an operator, a timer). */
export async function settle(engine: Engine, runId: string): Promise<RunView> {
  for (;;) {
    const view = await engine.get(runId);
    if (!view) throw new UsageError(`No run with id ${runId} in the store`);
    if (view.status !== "running") return view;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Prints a run for people, or as JSON. */
export function printRun(view: RunView, json: boolean, verbose: boolean): void {
  if (json) {
    console.log(JSON.stringify({ ...view, ...(view.error ? { error: view.error } : {}) }));
    return;
  }
  const head = `run ${view.runId} (${view.workflow} v${view.version}): ${view.status}`;
  const lines = [head];
  if (view.status === "done") lines.push(`output: ${JSON.stringify(view.output, null, 2)}`);
  if (view.status === "waiting" || view.status === "escalated") {
    if (view.waitingFor.length) lines.push(`waits for: ${view.waitingFor.join(", ")}  (stepchart signal ${view.runId} <EVENT> [json])`);
    if (view.wakeAt !== null) lines.push(`next timer: ${new Date(view.wakeAt).toISOString()}`);
  }
  console.log(lines.join("\n"));
  if (view.error) console.error(describeFailure(view.error, verbose));
}

/** 0 when the run is done or waits, 1 when it failed or was cancelled. */
export function exitCodeOf(view: RunView): number {
  return FINAL_STATUSES.includes(view.status) && view.status !== "done" ? 1 : 0;
}
