// Reads a run's input from `--input`: inline JSON, or @path/to/file.json.
import { readFileSync } from "node:fs";
import { UsageError } from "./usage-error.js";

export function readInput(text: string | undefined): unknown {
  if (text === undefined) return null;
  let source = text;
  let where = "--input";
  if (text.startsWith("@")) {
    where = text.slice(1);
    try {
      source = readFileSync(where, "utf8");
    } catch (e) {
      throw new UsageError(`Could not read the input file ${where}: ${(e as NodeJS.ErrnoException).code ?? "unreadable"}`);
    }
  }
  try {
    return JSON.parse(source);
  } catch {
    throw new UsageError(`Expected ${where} to hold JSON, got ${JSON.stringify(source.slice(0, 40))}${source.length > 40 ? "…" : ""}`);
  }
}
