// The `stepchart` command line: parses arguments and runs one command.
// Returns the exit code: 0 done (or waiting), 1 the workflow failed, 2 a usage mistake.
import { systemClock } from "../clock.js";
import { run } from "../runtime/start.js";
import { cancelCommand, listCommand, signalCommand, startCommand, statusCommand } from "./durable-commands.js";
import { readInput } from "./input.js";
import { loadWorkflow } from "./load.js";
import { progressReporter } from "./progress.js";
import { describeFailure } from "./report.js";
import { parse } from "./session.js";
import { scheduleCommand } from "./schedule.js";
import { uiCommand } from "./ui.js";
import { UsageError } from "./usage-error.js";
import { vizCommand } from "./viz.js";
import { startInspector } from "../visualize/inspector.js";

const USAGE = `Usage: stepchart <command> [options]

Commands:
  run <file>        run a workflow from a module, in memory, and print its output
                    --input <json|@file>   the run's input (default: null)
                    --workflow <name>      which export, when the file has several
                    --inspect              watch it in the Stately inspector (a relay on 127.0.0.1)
                    --inspect-port <n>     the relay's port (default: 8080)
  start <file>      start a durable run on the store; stay until it ends or waits
                    --input <json|@file>   --workflow <name>   --run-id <id>
  signal <runId> <EVENT> [json]
                    send an event to a durable run (an approval, stepchart.retry…)
                    --workflows <file|dir> the workflows the store's runs use (default: machines/index.ts)
  status <runId>    show a durable run: status, output or error, what it waits for
  list              list durable runs   --status <s>  --workflow <name>  --limit <n>
  cancel <runId>    cancel a durable run: compensate, then "cancelled"
                    --workflows <file|dir> (default: machines/index.ts)
  schedule add <name> <workflow> --cron <pattern>
                    start the workflow at every slot of the pattern, in every
                    engine on the store (stepchart ui, workers, your own)
                    --timezone <tz>        IANA time zone (default: UTC)
                    --input <json|@file>   --workflows <file|dir>
                    --overlap skip|buffer|allow   a slot while the last run goes on
                    --catchup none|latest|all     slots missed while nothing ran
  schedule list     the schedules, their next slot and last run
  schedule remove <name>
  viz <file|dir>... draw every workflow the modules export as <out>/<name>.md
                    (a Mermaid diagram) and <out>/<name>.svg
                    --out <dir>            where to write (default: visualizations)
                    --workflow <name>      only this export
                    --skip <file>          in a folder, leave this file out (repeatable)
  ui                serve the run viewer: runs, their statecharts with the active
                    states lit, timelines, errors, buttons for the events they await
                    --workflows <file|dir> (default: machines/index.ts)
                    --port <n>             (default: 4300; 0 picks a free port)
                    --host <h>             (default: 127.0.0.1; any other address needs
                                           the token for every request)
                    --token <t>            the token for changes (or STEPCHART_UI_TOKEN;
                                           default: a new one, printed in the URL)
  help              show this help

Options for every command:
  --store <path>    the durable store, a SQLite file (default: .stepchart/stepchart.db)
  --json            machine-readable output
  --verbose         stack traces on failure`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "run":
        return await runCommand(rest);
      case "start":
        return await startCommand(rest);
      case "signal":
        return await signalCommand(rest);
      case "status":
        return await statusCommand(rest);
      case "list":
        return await listCommand(rest);
      case "cancel":
        return await cancelCommand(rest);
      case "schedule":
        return await scheduleCommand(rest);
      case "viz":
        return await vizCommand(rest);
      case "ui":
        return await uiCommand(rest);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        console.log(USAGE);
        return 0;
      default:
        throw new UsageError(`Unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (argv.includes("--json")) console.log(JSON.stringify({ status: "error", error: e }));
    console.error(describeFailure(e, argv.includes("--verbose")));
    return 1;
  }
}

async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    input: { type: "string" },
    workflow: { type: "string" },
    inspect: { type: "boolean", default: false },
    "inspect-port": { type: "string", default: "8080" },
    json: { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError("Expected exactly one workflow file: stepchart run <file>");
  const port = Number(values["inspect-port"]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`Expected --inspect-port to be a port number, got ${JSON.stringify(values["inspect-port"])}`);
  const flow = await loadWorkflow(file, values.workflow);
  const input = readInput(values.input);
  const progress = values.json ? undefined : progressReporter({ out: process.stderr, clock: systemClock });
  const inspector = values.inspect ? await startInspector({ port }) : undefined;
  if (inspector) {
    console.error(`Stately inspector: open ${inspector.url} (events also on ${inspector.wsUrl}); Ctrl-C stops it after the run.`);
  }
  const inspect = (event: Parameters<NonNullable<typeof progress>["inspect"]>[0]) => {
    progress?.inspect(event);
    inspector?.inspect.next?.(event);
  };
  let code: number;
  try {
    const output = await run(flow, input as never, { log: () => undefined, inspect });
    progress?.stop();
    console.log(values.json ? JSON.stringify({ status: "done", output }) : JSON.stringify(output, null, 2));
    code = 0;
  } catch (e) {
    progress?.stop();
    if (values.json) console.log(JSON.stringify({ status: "failed", error: e }));
    else console.error(describeFailure(e, values.verbose));
    code = 1;
  }
  if (inspector) {
    await new Promise<void>((resolve) => process.once("SIGINT", () => resolve()));
    await inspector.stop();
  }
  return code;
}
