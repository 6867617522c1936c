// The `stepchart` command line: parses arguments and runs one command.
// Returns the exit code: 0 done, 1 the workflow failed, 2 a usage mistake.
import { parseArgs } from "node:util";
import { run } from "../runtime/start.js";
import { readInput } from "./input.js";
import { loadWorkflow } from "./load.js";
import { describeFailure } from "./report.js";
import { UsageError } from "./usage-error.js";
import { vizCommand } from "./viz.js";

const USAGE = `Usage: stepchart <command> [options]

Commands:
  run <file>        run a workflow from a module, in memory, and print its output
                    --input <json|@file>   the run's input (default: null)
                    --workflow <name>      which export, when the file has several
  viz <file|dir>... draw every workflow the modules export as <out>/<name>.md
                    (a Mermaid diagram) and <out>/<name>.svg
                    --out <dir>            where to write (default: visualizations)
                    --workflow <name>      only this export
                    --skip <file>          in a folder, leave this file out (repeatable)
  help              show this help

Options for every command:
  --json            machine-readable output
  --verbose         stack traces on failure`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "run":
        return await runCommand(rest);
      case "viz":
        return await vizCommand(rest);
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
    console.error(describeFailure(e, argv.includes("--verbose")));
    return 1;
  }
}

async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    input: { type: "string" },
    workflow: { type: "string" },
    json: { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError("Expected exactly one workflow file: stepchart run <file>");
  const flow = await loadWorkflow(file, values.workflow as string | undefined);
  const input = readInput(values.input as string | undefined);
  try {
    const output = await run(flow, input as never);
    console.log(values.json ? JSON.stringify({ status: "done", output }) : JSON.stringify(output, null, 2));
    return 0;
  } catch (e) {
    if (values.json) console.log(JSON.stringify({ status: "failed", error: e }));
    else console.error(describeFailure(e, Boolean(values.verbose)));
    return 1;
  }
}

function parse(args: string[], options: NonNullable<Parameters<typeof parseArgs>[0]>["options"]) {
  try {
    return parseArgs({ args, options: options!, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
