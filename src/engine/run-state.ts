// What the engine reads off a live run: its status, when its earliest timer
// is due, whether it is idle (nothing running, only timers and waits left).
import type { AnyActorRef } from "xstate";
import type { RunContext } from "../compile/context.js";
import { ESCALATED_TAG } from "../compile/escalate.js";
import { inFlightKeys } from "../compile/executor.js";
import { CANCELLED_TAG, FAILED_TAG } from "../compile/workflow.js";
import { actorsOf } from "../runtime/actors.js";
import type { RunStatus } from "../store/store.js";

type MachineSnapshotLike = {
  status: string;
  context: RunContext;
  hasTag(tag: string): boolean;
  getMeta(): Record<string, any>;
};

function machineSnapshot(actor: AnyActorRef): MachineSnapshotLike | undefined {
  const snapshot = actor.getSnapshot() as Partial<MachineSnapshotLike>;
  return typeof snapshot.getMeta === "function" ? (snapshot as MachineSnapshotLike) : undefined;
}

/** The status of a live run. */
export function statusOf(root: AnyActorRef): RunStatus {
  const snapshot = machineSnapshot(root)!;
  if (snapshot.status === "done") {
    if (snapshot.hasTag(FAILED_TAG)) return "failed";
    if (snapshot.hasTag(CANCELLED_TAG)) return "cancelled";
    return "done";
  }
  if (snapshot.status !== "active") return "failed";
  const actors = actorsOf(root);
  if (actors.some((a) => inFlightKeys(a).length > 0)) return "running";
  if (actors.some((a) => machineSnapshot(a)?.hasTag(ESCALATED_TAG))) return "escalated";
  return "waiting";
}

/** The earliest deadline of the timers the run is waiting on, if any. */
export function wakeAtOf(root: AnyActorRef): number | null {
  let earliest: number | null = null;
  for (const actor of actorsOf(root)) {
    const snapshot = machineSnapshot(actor);
    if (!snapshot || snapshot.status !== "active") continue;
    for (const meta of Object.values(snapshot.getMeta())) {
      const key = meta?.stepchart?.timer as string | undefined;
      const due = key === undefined ? undefined : snapshot.context.deadlines[key];
      if (due !== undefined && (earliest === null || due < earliest)) earliest = due;
    }
  }
  return earliest;
}

/**
 * The persisted snapshot of a run, as XState's getPersistedSnapshot() would
 * give it. Without children it is built directly: the context is shared, not
 * walked (compiled machines hold no actor references in context), which keeps
 * the per-step diff down to what changed.
 */
export function persistedOf(root: AnyActorRef): unknown {
  const snapshot = root.getSnapshot() as {
    status: string;
    output: unknown;
    error: unknown;
    value: unknown;
    historyValue: Record<string, unknown>;
    context: unknown;
    children: Record<string, unknown>;
  };
  for (const _child in snapshot.children) return root.getPersistedSnapshot();
  if (Object.keys(snapshot.historyValue).length > 0) return root.getPersistedSnapshot();
  return {
    status: snapshot.status,
    output: snapshot.output,
    error: snapshot.error,
    value: snapshot.value,
    historyValue: {},
    context: snapshot.context,
    children: {},
  };
}
