#!/usr/bin/env node
// The `stepchart` command. Registers tsx so that workflow files (and the CLI
// itself) can be TypeScript, then hands over to src/cli/main.ts.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
