// The durable commands driven as subprocesses: a run started in one process,
// signalled in another and read in a third, on one SQLite store.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);
const ROOT = new URL("../..", import.meta.url).pathname;
const BIN = join(ROOT, "bin/stepchart.js");
const dir = mkdtempSync(join(tmpdir(), "stepchart-cli-durable-"));
const store = join(dir, "runs.db");

function stepchartWith(env: Record<string, string>) {
  return async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await exec(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, STEPCHART_DATAFORGE_DB: join(dir, "df.db"), ...env } });
      return { code: 0, stdout, stderr };
    } catch (e: any) {
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
}

const stepchart = Object.assign(stepchartWith({}), { withEnv: stepchartWith });

describe("durable runs through the CLI", { timeout: 90_000 }, () => {
  it("starts a run in one process, signals it in another, reads it in a third", async () => {
    const started = await stepchart("start", "machines/approval-routing.ts", "--input", '{"id":"exp-1","kind":"expense","confidence":0.8}', "--run-id", "exp-1", "--store", store, "--json");
    expect(started.code).toBe(0);
    expect(JSON.parse(started.stdout)).toMatchObject({ runId: "exp-1", status: "waiting", waitingFor: ["DECIDE"] });

    const signalled = await stepchart("signal", "exp-1", "DECIDE", '{"approved":true,"by":"boss"}', "--store", store, "--json");
    expect(signalled.code).toBe(0);
    expect(JSON.parse(signalled.stdout)).toMatchObject({ status: "done", output: { decision: "approved", by: "boss", reviewer: "accounts-2" } });

    const status = await stepchart("status", "exp-1", "--store", store);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain("run exp-1 (ApprovalRouting v1): done");
    expect(status.stdout).toContain('"decision": "approved"');

    const listed = await stepchart("list", "--store", store, "--json");
    expect(JSON.parse(listed.stdout).map((r: any) => [r.runId, r.status])).toContainEqual(["exp-1", "done"]);
  });

  it("shows live progress on stderr while it runs", async () => {
    const { stderr } = await stepchart("start", "machines/approval-routing.ts", "--input", '{"id":"a-1","kind":"invoice","confidence":0.95}', "--store", store);
    expect(stderr).toContain("▶ ApprovalRouting.auto.AutoApprove");
    expect(stderr).toMatch(/✓ ApprovalRouting\.auto\.ProcessApproval \d+ms/);
    expect(stderr).toContain("● run done");
  });

  it("refuses an event the run does not wait for, with the reason and exit code 1", async () => {
    await stepchart("start", "machines/approval-routing.ts", "--input", '{"id":"exp-2","kind":"expense","confidence":0.8}', "--run-id", "exp-2", "--store", store);
    const wrong = await stepchart("signal", "exp-2", "APPROVE", "--store", store);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("Run exp-2 cannot take APPROVE now; it waits for DECIDE");
    expect(wrong.stderr).toContain("category: validation (event_not_accepted)");
    const bad = await stepchart("signal", "exp-2", "DECIDE", '{"approved":"yes"}', "--store", store);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("Invalid payload of DECIDE");
  });

  it("cancels a waiting run", async () => {
    await stepchart("start", "machines/approval-routing.ts", "--input", '{"id":"exp-3","kind":"expense","confidence":0.8}', "--run-id", "exp-3", "--store", store);
    const cancelled = await stepchart("cancel", "exp-3", "--store", store);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain("run exp-3 (ApprovalRouting v1): cancelled");
  });

  it("reports usage mistakes with exit code 2", async () => {
    expect((await stepchart("signal", "only-a-run-id", "--store", store)).code).toBe(2);
    const unknown = await stepchart("status", "nope", "--store", store);
    expect([unknown.code, unknown.stderr.split("\n")[0]]).toEqual([2, `No run with id nope in ${store}`]);
    const badList = await stepchart("list", "--status", "sleeping", "--store", store);
    expect(badList.code).toBe(2);
    expect(badList.stderr).toContain('Expected --status to be one of running, waiting, escalated, done, failed, cancelled, got "sleeping"');
    const missingInput = await stepchart("start", "machines/approval-routing.ts", "--input", `@${join(dir, "nope.json")}`, "--store", store);
    expect(missingInput.code).toBe(2);
    expect(missingInput.stderr).toContain(`Could not read the input file ${join(dir, "nope.json")}: ENOENT`);
    writeFileSync(join(dir, "broken.json"), "{ broken");
    const brokenInput = await stepchart("start", "machines/approval-routing.ts", "--input", `@${join(dir, "broken.json")}`, "--store", store);
    expect(brokenInput.code).toBe(2);
    expect(brokenInput.stderr).toContain(`Expected ${join(dir, "broken.json")} to hold JSON`);
  });

  it("rejects a bad workflow input with the category, the step and what to do", async () => {
    const bad = await stepchart("start", "machines/approval-routing.ts", "--input", '{"id":"x","kind":"poem","confidence":0.5}', "--store", store);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("✗ ApprovalRouting failed at ApprovalRouting");
    expect(bad.stderr).toContain("category: validation (schema_mismatch)");
    expect(bad.stderr).toContain("what to do: fix the input");
    expect(bad.stderr).not.toContain("    at ");
  });

  it("adds, lists and removes a cron schedule kept in the store, and refuses a bad pattern", async () => {
    const schedules = join(dir, "schedules.db");
    const added = await stepchart("schedule", "add", "morning", "ApprovalRouting", "--cron", "0 8 * * 1-5", "--timezone", "Europe/Paris", "--input", '{"id":"m","kind":"invoice","confidence":0.99}', "--store", schedules, "--json");
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)[0]).toMatchObject({ name: "morning", workflow: "ApprovalRouting", timezone: "Europe/Paris", overlap: "skip", catchup: "latest" });
    const listed = await stepchart("schedule", "list", "--store", schedules);
    expect(listed.stdout).toMatch(/^morning {2}ApprovalRouting {2}"0 8 \* \* 1-5" Europe\/Paris {2}overlap skip, catchup latest {2}next \d{4}-/);
    const bad = await stepchart("schedule", "add", "broken", "ApprovalRouting", "--cron", "at eight", "--store", schedules);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Expected a cron pattern and an IANA time zone, got "at eight"');
    expect((await stepchart("schedule", "remove", "morning", "--store", schedules)).stdout).toContain("schedule morning removed");
    expect((await stepchart("schedule", "list", "--store", schedules)).stdout).toContain("no schedules");
  });

  it("encrypts every payload at rest when STEPCHART_KEYS is set, and reads it back with the same keys", async () => {
    const secret = join(dir, "secret.db");
    const keys = `k1=${Buffer.alloc(32, 7).toString("base64")}`;
    const env = { STEPCHART_KEYS: keys };
    const started = await stepchart.withEnv(env)("start", "machines/approval-routing.ts", "--input", '{"id":"Confidential-77","kind":"expense","confidence":0.8}', "--run-id", "c-1", "--store", secret, "--json");
    expect(JSON.parse(started.stdout)).toMatchObject({ runId: "c-1", status: "waiting" });
    const signalled = await stepchart.withEnv(env)("signal", "c-1", "DECIDE", '{"approved":true,"by":"Confidential boss"}', "--store", secret, "--json");
    expect(JSON.parse(signalled.stdout)).toMatchObject({ status: "done", output: { by: "Confidential boss" } });
    const raw = new Database(secret, { readonly: true });
    const rows = JSON.stringify(["runs", "journal", "snapshots", "signals"].map((t) => raw.prepare(`SELECT * FROM ${t}`).all()));
    raw.close();
    expect(rows).not.toContain("Confidential");
    expect(rows).toContain("enc1:k1:");
    expect((await stepchart.withEnv(env)("status", "c-1", "--store", secret)).stdout).toContain('"by": "Confidential boss"');
    const unreadable = await stepchart("status", "c-1", "--store", secret);
    expect(unreadable.code).toBe(1);
  });
});
