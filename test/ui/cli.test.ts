// `stepchart ui`: as a subprocess, where it listens, the token it prints and a
// clean stop on SIGTERM; in process, the mistakes it refuses before it starts.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";

const ROOT = new URL("../..", import.meta.url).pathname;
const BIN = join(ROOT, "bin/stepchart.js");
const dir = mkdtempSync(join(tmpdir(), "stepchart-ui-cli-"));

/** Starts `stepchart ui …` and resolves with its first line of output (the JSON with its URL). */
function startUi(args: string[]): Promise<{ child: ChildProcess; info: { url: string; host: string; port: number; token: string } }> {
  const inherited = { ...process.env };
  delete inherited.STEPCHART_UI_TOKEN;
  const child = spawn(process.execPath, [BIN, "ui", "--store", join(dir, "runs.db"), "--workflows", "machines/approval-routing.ts", "--port", "0", "--json", ...args], {
    cwd: ROOT,
    env: inherited,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (line) => resolve({ child, info: JSON.parse(line) }));
    child.once("exit", (code) => reject(new Error(`stepchart ui exited with ${code} before it listened`)));
  });
}

function stopped(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

describe("stepchart ui", () => {
  it("listens on 127.0.0.1 with a fresh token, refuses changes without it, and stops cleanly on SIGTERM", async () => {
    const { child, info } = await startUi([]);
    try {
      expect(info.host).toBe("127.0.0.1");
      expect(info.url).toBe(`http://127.0.0.1:${info.port}/#token=${info.token}`);
      expect(info.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      const base = `http://127.0.0.1:${info.port}`;
      expect((await fetch(`${base}/api/runs`)).status).toBe(200);
      const refused = await fetch(`${base}/api/runs/x/cancel`, { method: "POST" });
      expect(refused.status).toBe(401);
      const allowed = await fetch(`${base}/api/runs/x/cancel`, { method: "POST", headers: { "x-stepchart-token": info.token } });
      expect(allowed.status).toBe(404); // past the token check: there is no run x
    } finally {
      const exit = stopped(child);
      child.kill("SIGTERM");
      expect(await exit).toBe(0);
    }
  }, 30_000);

  it("refuses a short token, also from STEPCHART_UI_TOKEN, and a bad port as usage mistakes (exit code 2)", async () => {
    const errors: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((text: string) => void errors.push(text.split("\n")[0]!));
    const saved = process.env.STEPCHART_UI_TOKEN;
    try {
      const store = ["--store", join(dir, "usage.db")];
      expect(await main(["ui", ...store, "--token", "abc"])).toBe(2);
      process.env.STEPCHART_UI_TOKEN = "short";
      expect(await main(["ui", ...store])).toBe(2);
      delete process.env.STEPCHART_UI_TOKEN;
      expect(await main(["ui", ...store, "--port", "http"])).toBe(2);
      expect(await main(["ui", ...store, "extra"])).toBe(2);
    } finally {
      spy.mockRestore();
      if (saved === undefined) delete process.env.STEPCHART_UI_TOKEN;
      else process.env.STEPCHART_UI_TOKEN = saved;
    }
    expect(errors).toEqual([
      "Expected the token (--token or STEPCHART_UI_TOKEN) to have at least 16 characters, got 3",
      "Expected the token (--token or STEPCHART_UI_TOKEN) to have at least 16 characters, got 5",
      'Expected --port to be an integer from 0 to 65535, got "http"',
      "Expected no arguments: stepchart ui [--store path] [--workflows file|dir] [--port n] [--host h]",
    ]);
  });
});
