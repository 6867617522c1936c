// `stepchart schedule`: add, list and remove the cron schedules kept in the
// store. Slots fire in whichever engines run on that store (`stepchart ui`, a
// worker, an application's own engine); this command only writes them down.
import type { ScheduleCatchup, ScheduleOverlap } from "../store/store.js";
import type { ScheduleView } from "../engine/schedules.js";
import { readInput } from "./input.js";
import { COMMON_OPTIONS, openSession, parse } from "./session.js";
import { UsageError } from "./usage-error.js";

const SUBCOMMANDS = "Expected: stepchart schedule add <name> <workflow> --cron <pattern> | list | remove <name>";

/** stepchart schedule add|list|remove … [--store path] [--workflows file|dir]... [--json] */
export async function scheduleCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    ...COMMON_OPTIONS,
    workflows: { type: "string", multiple: true, default: ["machines/index.ts"] as string[] },
    cron: { type: "string" },
    timezone: { type: "string", default: "UTC" },
    input: { type: "string" },
    overlap: { type: "string", default: "skip" },
    catchup: { type: "string", default: "latest" },
  });
  const [action, ...rest] = positionals;
  if (action === "add") {
    const [name, workflow] = rest;
    if (!name || !workflow || rest.length > 2) throw new UsageError("Expected: stepchart schedule add <name> <workflow> --cron <pattern>");
    if (!values.cron) throw new UsageError('Expected --cron <pattern>, e.g. --cron "0 3 * * *"');
    const session = await openSession(values.store, values.workflows, true);
    try {
      const schedule = await session.engine.schedule(name, workflow, {
        cron: values.cron,
        timezone: values.timezone,
        input: readInput(values.input),
        overlap: values.overlap as ScheduleOverlap,
        catchup: values.catchup as ScheduleCatchup,
      });
      print([schedule], values.json);
      return 0;
    } finally {
      await session.close();
    }
  }
  if (action === "list" || action === "remove") {
    if (rest.length !== (action === "remove" ? 1 : 0)) throw new UsageError(SUBCOMMANDS);
    const session = await openSession(values.store, values.workflows, true);
    try {
      if (action === "list") {
        print(await session.engine.schedules(), values.json);
        return 0;
      }
      const removed = await session.engine.unschedule(rest[0]!);
      if (values.json) console.log(JSON.stringify({ removed }));
      else console.log(removed ? `schedule ${rest[0]} removed (its runs go on)` : `no schedule named ${rest[0]}`);
      return removed ? 0 : 1;
    } finally {
      await session.close();
    }
  }
  throw new UsageError(SUBCOMMANDS);
}

function print(schedules: ScheduleView[], json: boolean): void {
  if (json) {
    console.log(JSON.stringify(schedules));
    return;
  }
  if (schedules.length === 0) console.log("no schedules");
  for (const s of schedules) {
    console.log(
      `${s.name}  ${s.workflow}  "${s.cron}" ${s.timezone}  overlap ${s.overlap}, catchup ${s.catchup}  next ${new Date(s.nextAt).toISOString()}` +
        (s.lastRunId ? `  last run ${s.lastRunId}` : ""),
    );
  }
}
