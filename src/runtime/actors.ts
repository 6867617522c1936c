// The actors of a run: the root machine and, depth first, its running
// children (map items, child workflows, compensations, timers).
import type { AnyActorRef } from "xstate";

export function actorsOf(root: AnyActorRef): AnyActorRef[] {
  const all: AnyActorRef[] = [];
  const visit = (actor: AnyActorRef) => {
    all.push(actor);
    const children = (actor.getSnapshot() as { children?: Record<string, AnyActorRef | undefined> }).children ?? {};
    for (const child of Object.values(children)) if (child && child.getSnapshot().status === "active") visit(child);
  };
  visit(root);
  return all;
}
