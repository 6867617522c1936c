import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createEngine, memoryStore, sequence, sqliteStore, step, ValidationError, waitFor, workflow, type Store } from "../../src/index.js";
import { TestClock } from "../../src/testing/index.js";
import { flush } from "../support/gate.js";

const quiet = { log: () => undefined };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const dir = mkdtempSync(join(tmpdir(), "stepchart-schedules-"));

function recorder() {
  const seen: { at: number; input: unknown; runId: string }[] = [];
  const clock = new TestClock(Date.parse("2026-03-28T00:00:00Z"));
  const wf = workflow(
    "Report",
    step("write", (input: unknown, ctx) => {
      seen.push({ at: clock.now(), input, runId: ctx.runId });
      return "written";
    }),
  );
  return { seen, clock, wf };
}

/** A workflow whose runs wait for GO, so a test decides when each ends. */
const held = workflow("Held", sequence("Held", [waitFor("go", "GO"), step("finish", () => "ok")]));

const iso = (ms: number) => new Date(ms).toISOString();

describe("schedules", () => {
  it("starts the workflow at every slot of the cron pattern, read in its time zone across a DST change", async () => {
    const { seen, clock, wf } = recorder();
    const engine = createEngine({ workflows: [wf], store: memoryStore(), clock, ...quiet });
    const defined = await engine.schedule("nightly", "Report", { cron: "0 3 * * *", timezone: "Europe/Berlin", input: { days: 1 } });
    expect(iso(defined.nextAt)).toBe("2026-03-28T02:00:00.000Z");
    await clock.advance(3 * DAY);
    expect(seen.map((s) => iso(s.at))).toEqual(["2026-03-28T02:00:00.000Z", "2026-03-29T01:00:00.000Z", "2026-03-30T01:00:00.000Z"]);
    expect(seen.map((s) => s.runId)).toEqual(["nightly@2026-03-28T02:00:00.000Z", "nightly@2026-03-29T01:00:00.000Z", "nightly@2026-03-30T01:00:00.000Z"]);
    expect(seen.every((s) => JSON.stringify(s.input) === '{"days":1}')).toBe(true);
    expect((await engine.schedules())[0]).toMatchObject({ name: "nightly", lastRunId: "nightly@2026-03-30T01:00:00.000Z", nextAt: Date.parse("2026-03-31T01:00:00Z") });
    await engine.close();
  });

  it("keeps a schedule defined again unchanged, and a changed one takes effect from its next slot", async () => {
    const { seen, clock, wf } = recorder();
    const engine = createEngine({ workflows: [wf], store: memoryStore(), clock, ...quiet });
    const first = await engine.schedule("hourly", "Report", { cron: "0 * * * *" });
    await clock.advance(30 * 60_000);
    expect(await engine.schedule("hourly", "Report", { cron: "0 * * * *" })).toEqual(first);
    const changed = await engine.schedule("hourly", "Report", { cron: "*/20 * * * *" });
    expect(iso(changed.nextAt)).toBe("2026-03-28T00:40:00.000Z");
    await clock.advance(HOUR);
    expect(seen.map((s) => iso(s.at))).toEqual(["2026-03-28T00:40:00.000Z", "2026-03-28T01:00:00.000Z", "2026-03-28T01:20:00.000Z"]);
    expect(await engine.unschedule("hourly")).toBe(true);
    await clock.advance(HOUR);
    expect(seen).toHaveLength(3);
    expect(await engine.unschedule("hourly")).toBe(false);
    await engine.close();
  });

  describe.each([
    ["none", []],
    ["latest", ["2026-03-28T05:00:00.000Z"]],
    ["all", ["2026-03-28T01:00:00.000Z", "2026-03-28T02:00:00.000Z", "2026-03-28T03:00:00.000Z", "2026-03-28T04:00:00.000Z", "2026-03-28T05:00:00.000Z"]],
  ] as const)("with catchup %s", (catchup, missed) => {
    it("survives a restart and handles the slots missed while no engine ran as the policy says (each started, with overlap allow)", async () => {
      const { seen, clock, wf } = recorder();
      const store = sqliteStore(join(dir, `catchup-${catchup}.db`));
      const before = createEngine({ workflows: [wf], store, clock, ...quiet });
      await before.schedule("hourly", "Report", { cron: "0 * * * *", catchup, overlap: "allow" });
      await before.close();
      await clock.advance(5 * HOUR + 30 * 60_000);
      expect(seen).toEqual([]);
      const after = createEngine({ workflows: [wf], store, clock, ...quiet });
      await after.ready;
      await flush(20);
      expect(seen.map((s) => s.runId)).toEqual(missed.map((m) => `hourly@${m}`));
      await clock.advance(HOUR);
      expect(seen.at(-1)!.runId).toBe("hourly@2026-03-28T06:00:00.000Z");
      await after.close();
      await store.close();
    });
  });

  it("skips a slot while the previous run has not ended (overlap skip, the default)", async () => {
    const clock = new TestClock(0);
    const engine = createEngine({ workflows: [held], store: memoryStore(), clock, ...quiet });
    await engine.schedule("s", "Held", { cron: "0 * * * *" });
    await clock.advance(3 * HOUR);
    expect((await engine.list({})).map((r) => r.runId)).toEqual(["s@1970-01-01T01:00:00.000Z"]);
    await engine.signal("s@1970-01-01T01:00:00.000Z", { type: "GO" });
    await clock.advance(HOUR);
    expect((await engine.list({})).map((r) => [r.runId, r.status])).toEqual([
      ["s@1970-01-01T01:00:00.000Z", "done"],
      ["s@1970-01-01T04:00:00.000Z", "waiting"],
    ]);
    await engine.close();
  });

  it("buffers the slots that come while the previous run goes on and starts them, in order, as each run ends (overlap buffer)", async () => {
    const clock = new TestClock(0);
    const engine = createEngine({ workflows: [held], store: memoryStore(), clock, ...quiet });
    await engine.schedule("b", "Held", { cron: "0 * * * *", overlap: "buffer" });
    await clock.advance(3 * HOUR);
    expect((await engine.schedules())[0]!.buffered).toEqual([2 * HOUR, 3 * HOUR]);
    await engine.signal("b@1970-01-01T01:00:00.000Z", { type: "GO" });
    await flush(20);
    expect((await engine.list({ status: "waiting" })).map((r) => r.runId)).toEqual(["b@1970-01-01T02:00:00.000Z"]);
    await engine.signal("b@1970-01-01T02:00:00.000Z", { type: "GO" });
    await flush(20);
    expect((await engine.list({ status: "waiting" })).map((r) => r.runId)).toEqual(["b@1970-01-01T03:00:00.000Z"]);
    expect((await engine.schedules())[0]!.buffered).toEqual([]);
    await engine.close();
  });

  it("starts every slot whatever the previous run does (overlap allow)", async () => {
    const clock = new TestClock(0);
    const engine = createEngine({ workflows: [held], store: memoryStore(), clock, ...quiet });
    await engine.schedule("a", "Held", { cron: "0 * * * *", overlap: "allow" });
    await clock.advance(3 * HOUR);
    expect((await engine.list({ status: "waiting" })).map((r) => r.runId)).toHaveLength(3);
    await engine.close();
  });

  it("starts each slot once when three engines share the store", async () => {
    const { seen, clock, wf } = recorder();
    const store = memoryStore();
    const engines = [0, 1, 2].map(() => createEngine({ workflows: [wf], store, clock, ...quiet }));
    await Promise.all(engines.map((e) => e.schedule("shared", "Report", { cron: "*/10 * * * *" })));
    await clock.advance(HOUR);
    expect(seen.map((s) => iso(s.at))).toEqual([10, 20, 30, 40, 50, 60].map((m) => iso(Date.parse("2026-03-28T00:00:00Z") + m * 60_000)));
    await Promise.all(engines.map((e) => e.close()));
  });

  it("starts a slot claimed just before a crash on the next look, once", async () => {
    const { seen, clock, wf } = recorder();
    const inner = memoryStore();
    let failCreate = true;
    // The process dies between claiming the slot and starting its run: createRun fails once.
    const store = new Proxy(inner, {
      get(target, key) {
        if (key === "createRun" && failCreate) {
          return async () => {
            failCreate = false;
            throw new Error("connection lost");
          };
        }
        const value = Reflect.get(target, key) as unknown;
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as Store;
    const first = createEngine({ workflows: [wf], store, clock, ...quiet });
    await first.schedule("daily", "Report", { cron: "0 6 * * *" });
    await clock.advance(6.5 * HOUR);
    expect(seen).toEqual([]);
    expect(JSON.parse((await inner.getSchedule("daily"))!.starting)).toEqual([Date.parse("2026-03-28T06:00:00Z")]);
    await first.close();
    const second = createEngine({ workflows: [wf], store: inner, clock, ...quiet });
    await second.ready;
    await flush(20);
    expect(seen.map((s) => s.runId)).toEqual(["daily@2026-03-28T06:00:00.000Z"]);
    expect((await inner.getSchedule("daily"))!.starting).toBe("[]");
    await second.close();
  });

  it("refuses a bad cron pattern, time zone, workflow, name, policy or input with a ValidationError", async () => {
    const { clock, wf } = recorder();
    const engine = createEngine({ workflows: [wf], store: memoryStore(), clock, ...quiet });
    const cases: [string, string, unknown, string][] = [
      ["x", "Report", { cron: "every day" }, "invalid_schedule"],
      ["x", "Report", { cron: "0 3 * * *", timezone: "Mars/Olympus" }, "invalid_schedule"],
      ["x", "Nope", { cron: "0 3 * * *" }, "unknown_workflow"],
      ["no spaces", "Report", { cron: "0 3 * * *" }, "invalid_schedule"],
      ["x", "Report", { cron: "0 3 * * *", overlap: "queue" }, "invalid_schedule"],
      ["x", "Report", { cron: "0 3 * * *", input: { n: 1n } }, "not_json"],
    ];
    for (const [name, wfName, options, code] of cases) {
      const error = await engine.schedule(name, wfName, options as never).catch((e: unknown) => e);
      expect(error, JSON.stringify([name, wfName, String(options)])).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).code).toBe(code);
    }
    expect(await engine.schedules()).toEqual([]);
    await engine.close();
  });
});
