// Live progress of runs for the CLI, read off XState's inspection stream:
// which steps start and end (and how they ended), which timers and waits a
// run is in, which steps are parked for an operator. In a terminal the lines
// are coloured and a status line at the bottom shows what runs right now;
// otherwise each change is one plain line. It never changes a run.
import type { AnyActorRef, InspectionEvent } from "xstate";
import type { Clock } from "../clock.js";
import { fullPath, type RunContext } from "../compile/context.js";
import type { CompiledMachine } from "../compile/machine.js";

export interface ProgressOptions {
  /** Where lines go. */
  out: { write(text: string): unknown; isTTY?: boolean };
  clock: Clock;
  /** Colours and a live status line. @default out.isTTY */
  tty?: boolean;
  /** Prefix lines with the run id (several runs at once). @default false */
  showRunId?: boolean;
}

export interface Progress {
  /** Pass as the `inspect` option of run(), start() or createEngine(). */
  readonly inspect: (event: InspectionEvent) => void;
  /** Clears the status line. */
  stop(): void;
}

interface Activity {
  /** Running steps: display path -> since. */
  steps: Map<string, number>;
  waits: Set<string>;
  timers: Map<string, number>;
  parked: Set<string>;
}

const COLOURS = { green: 32, red: 31, yellow: 33, cyan: 36, dim: 2 } as const;

/**
 * Reports the progress of runs from their inspection events.
 * @example
 * const progress = progressReporter({ out: process.stdout, clock: systemClock });
 * await run(wf, input, { inspect: progress.inspect });
 */
export function progressReporter(options: ProgressOptions): Progress {
  const { out, clock } = options;
  const tty = options.tty ?? Boolean(out.isTTY);
  const seen = new Map<AnyActorRef, Activity>();
  let status = "";

  const paint = (colour: keyof typeof COLOURS, text: string) => (tty ? `\x1b[${COLOURS[colour]}m${text}\x1b[0m` : text);
  const clearStatus = () => {
    if (tty && status) out.write("\r\x1b[K");
  };
  const line = (runId: string, text: string) => {
    clearStatus();
    out.write(`${options.showRunId ? `${paint("dim", runId.slice(0, 12))} ` : ""}${text}\n`);
    drawStatus();
  };
  const drawStatus = () => {
    if (!tty) return;
    const running = [...seen.values()].flatMap((a) => [...a.steps.keys()]);
    const waiting = [...seen.values()].flatMap((a) => [...a.waits]);
    const parts = [running.length ? `running ${running.join(", ")}` : "", waiting.length ? `waiting for ${waiting.join(", ")}` : ""].filter(Boolean);
    status = parts.length ? paint("dim", `… ${parts.join(" · ")}`) : "";
    if (status) out.write(`\r\x1b[K${status.slice(0, 400)}`);
  };

  const inspect = (event: InspectionEvent) => {
    if (event.type !== "@xstate.snapshot") return;
    const actor = event.actorRef as AnyActorRef;
    const machine = (actor as { logic?: unknown }).logic as CompiledMachine | undefined;
    const snapshot = event.snapshot as { status?: string; context?: RunContext; getMeta?: () => Record<string, any>; hasTag?: (t: string) => boolean };
    if (!machine?.info || !snapshot.context || typeof snapshot.getMeta !== "function") return;
    const context = snapshot.context;
    const runId = context.runId;
    const now = clock.now();
    const before = seen.get(actor) ?? { steps: new Map(), waits: new Set(), timers: new Map(), parked: new Set() };
    const after: Activity = { steps: new Map(), waits: new Set(), timers: new Map(), parked: new Set() };
    if (snapshot.status === "active") {
      for (const meta of Object.values(snapshot.getMeta())) {
        const m = meta?.stepchart;
        if (!m) continue;
        if (typeof m.dispatch === "string") {
          const d = machine.info.dispatchables.get(m.dispatch);
          if (d) {
            const path = fullPath(context, d.path);
            after.steps.set(path, before.steps.get(path) ?? now);
          }
        }
        if (m.wait) after.waits.add(m.wait.event);
        if (typeof m.timer === "string") {
          const due = context.deadlines[m.timer];
          if (due !== undefined) after.timers.set(m.timer, due);
        }
        if (typeof m.escalated === "string") after.parked.add(fullPath(context, m.escalated));
      }
    }
    const cause = (event.event as { type?: string } | undefined)?.type ?? "";
    for (const [path, since] of before.steps) {
      if (after.steps.has(path)) continue;
      const failed = cause.startsWith("stepchart.error.");
      const error = failed ? ((event.event as { error?: { category?: string; code?: string } }).error ?? {}) : undefined;
      line(runId, failed ? paint("red", `✗ ${path} failed (${error!.category}, ${error!.code})`) : `${paint("green", "✓")} ${path} ${paint("dim", `${now - since}ms`)}`);
    }
    for (const path of after.steps.keys()) if (!before.steps.has(path)) line(runId, `${paint("cyan", "▶")} ${path}`);
    for (const [key, due] of after.timers) {
      if (before.timers.get(key) !== due) line(runId, `${paint("yellow", "⏱")} ${key} until ${new Date(due).toISOString()} (${formatMs(due - now)})`);
    }
    for (const wait of after.waits) if (!before.waits.has(wait)) line(runId, `${paint("yellow", "⏸")} waiting for ${wait}`);
    for (const path of after.parked) if (!before.parked.has(path)) line(runId, paint("yellow", `⚠ ${path} is parked for an operator (stepchart.retry / stepchart.skip / stepchart.abort)`));
    const isRoot = !(actor as { _parent?: unknown })._parent;
    if (snapshot.status === "done" && isRoot) {
      const outcome = snapshot.hasTag?.("stepchart.failed") ? paint("red", "failed") : snapshot.hasTag?.("stepchart.cancelled") ? paint("yellow", "cancelled") : paint("green", "done");
      line(runId, `● run ${outcome}`);
    }
    if (snapshot.status === "active") seen.set(actor, after);
    else seen.delete(actor);
    drawStatus();
  };

  return {
    inspect,
    stop: () => {
      clearStatus();
      status = "";
    },
  };
}

function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.max(0, ms)}ms`;
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)}m`;
  return `${Math.round(ms / 3_600_000)}h`;
}
