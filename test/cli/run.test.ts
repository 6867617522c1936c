import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);
const BIN = new URL("../../bin/stepchart.js", import.meta.url).pathname;

async function stepchart(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], { cwd: new URL("../..", import.meta.url).pathname });
    return { code: 0, stdout, stderr };
  } catch (e: any) {
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const dir = mkdtempSync(join(tmpdir(), "stepchart-cli-"));
const wfFile = new URL("./fixtures/double.ts", import.meta.url).pathname;

describe("stepchart run", { timeout: 60_000 }, () => {
  it("runs a workflow file with inline JSON input and prints the output", async () => {
    const { code, stdout } = await stepchart("run", wfFile, "--input", '{"n":21}');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe("42");
  });

  it("reads the input from a file given as @path", async () => {
    const inputFile = join(dir, "input.json");
    writeFileSync(inputFile, '{"n":5}');
    const { code, stdout } = await stepchart("run", wfFile, "--input", `@${inputFile}`, "--json");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ status: "done", output: 10 });
  });

  it("prints the category, the step path, the cause and advice, without a stack, and exits 1 when the run fails", async () => {
    const { code, stderr } = await stepchart("run", wfFile, "--input", '{"n":"x"}');
    expect(code).toBe(1);
    expect(stderr).toContain("✗ Double failed at Double.check");
    expect(stderr).toContain("category: logic (unexpected_error)");
    expect(stderr).toContain("cause:    n must be a number");
    expect(stderr).toContain("what to do: the code needs a fix");
    expect(stderr).not.toContain("    at ");
  });

  it("exits 2 with a clear message when the input is not JSON", async () => {
    const { code, stderr } = await stepchart("run", wfFile, "--input", "{n:1}");
    expect(code).toBe(2);
    expect(stderr).toContain('Expected --input to hold JSON, got "{n:1}"');
  });

  it("exits 2 with a clear message when the file does not exist", async () => {
    const { code, stderr } = await stepchart("run", join(dir, "missing.ts"));
    expect(code).toBe(2);
    expect(stderr).toContain(`Expected a workflow file at ${join(dir, "missing.ts")}, found none`);
  });

  it("exits 2 on an unknown command or option", async () => {
    expect((await stepchart("frobnicate")).code).toBe(2);
    const { code, stderr } = await stepchart("run", wfFile, "--colour");
    expect(code).toBe(2);
    expect(stderr).toContain("Unknown option '--colour'");
  });
});
