// Garbage in the store: snapshot and journal rows overwritten with random
// text, truncated JSON or JSON of the wrong shape. The engine must fail that
// one run with corrupt_run (or restore it, when the garbage happens to be a
// state it can read), and must neither crash nor touch any other run.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createActor } from "xstate";
import { compile, createEngine, sequence, sqliteStore, step, waitFor, workflow } from "../../src/index.js";

const quiet = { log: () => undefined };
const dir = mkdtempSync(join(tmpdir(), "stepchart-corrupt-"));
let n = 0;

const wf = workflow("Wait", sequence("Wait", [step("Prepare", (x: { n: number }) => ({ n: x.n + 1 })), waitFor("W", "GO"), step("Finish", (x: { n: number }) => x.n * 2)]));

/** Garbage that replaces a stored JSON text: random text, a truncated original, or other JSON. */
function garbage(original: string) {
  return fc.oneof(
    fc.string({ maxLength: 50 }),
    fc.nat({ max: Math.max(0, original.length - 1) }).map((cut) => original.slice(0, cut)),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc.constantFrom("null", "{}", "[]", '{"value":{"W":"nope"},"status":"active","context":null}', '[{"op":"replace","path":"/value","value":7}]'),
  );
}

/** The snapshot a run of `wf` starts from, as the engine stores it. */
function initialOf(input: { n: number }, runId: string): string {
  return JSON.stringify(createActor(compile(wf), { input, id: runId }).getPersistedSnapshot());
}

describe("garbage in stored rows", () => {
  it("restores a run from its initial snapshot and its whole journal (the baseline of the property below)", async () => {
    const path = join(dir, "baseline.db");
    const one = createEngine({ workflows: [wf], store: sqliteStore(path), ...quiet });
    await one.start("Wait", { n: 5 }, { runId: "bad" });
    await one.close();
    const raw = new Database(path);
    raw.prepare("UPDATE snapshots SET seq = 0, data = ? WHERE run_id = 'bad'").run(initialOf({ n: 5 }, "bad"));
    raw.close();
    const two = createEngine({ workflows: [wf], store: sqliteStore(path), ...quiet });
    await two.signal("bad", { type: "GO" });
    expect(await two.result("bad")).toBe(12);
    await two.close();
  });

  it("fails only the run whose snapshot or journal row is garbage, with corrupt_run, and the others finish (property)", async () => {
    // A run left waiting, to take its real rows as the originals the garbage is made from.
    const template = join(dir, "template.db");
    const seed = createEngine({ workflows: [wf], store: sqliteStore(template), ...quiet });
    await seed.start("Wait", { n: 1 }, { runId: "t" });
    await seed.close();
    const db = new Database(template, { readonly: true });
    const snapshot = (db.prepare("SELECT data FROM snapshots WHERE run_id = 't'").get() as { data: string }).data;
    const ops = (db.prepare("SELECT ops FROM journal WHERE run_id = 't' ORDER BY seq LIMIT 1").get() as { ops: string }).ops;
    db.close();

    await fc.assert(
      fc.asyncProperty(fc.constantFrom("snapshot", "journal"), fc.boolean(), garbage(snapshot), garbage(ops), async (table, viaSignal, badSnapshot, badOps) => {
        const path = join(dir, `case-${n++}.db`);
        const one = createEngine({ workflows: [wf], store: sqliteStore(path), ...quiet });
        await one.start("Wait", { n: 1 }, { runId: "good" });
        await one.start("Wait", { n: 5 }, { runId: "bad" });
        await one.close();
        const raw = new Database(path);
        if (table === "snapshot") raw.prepare("UPDATE snapshots SET data = ? WHERE run_id = 'bad'").run(badSnapshot);
        else {
          // The run went idle, so its latest snapshot covers its whole journal: go back to the initial
          // snapshot, so that the journal is read on restore, and spoil its last entry.
          raw.prepare("UPDATE snapshots SET seq = 0, data = ? WHERE run_id = 'bad'").run(initialOf({ n: 5 }, "bad"));
          raw.prepare("UPDATE journal SET ops = ? WHERE run_id = 'bad' AND seq = (SELECT MAX(seq) FROM journal WHERE run_id = 'bad')").run(badOps);
        }
        raw.close();

        const two = createEngine({ workflows: [wf], store: sqliteStore(path), ...quiet });
        await two.ready;
        // Touch the bad run the way users do: a look at it, a signal.
        if (!viaSignal) await two.get("bad");
        const refused = await two.signal("bad", { type: "GO" }).then(
          () => undefined,
          (e: { code?: string }) => e.code,
        );
        const view = (await two.get("bad"))!;
        if (view.status === "failed") expect((view.error as { code?: string }).code).toBe("corrupt_run");
        else if (refused === undefined) expect(["done", "waiting", "running"]).toContain(view.status);
        else expect(refused).toBe("event_not_accepted");
        await two.signal("good", { type: "GO" });
        expect(await two.result("good")).toBe(4);
        await two.close();
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
