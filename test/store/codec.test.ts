import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { aesGcmCodec, codecStore, type AesGcmOptions, createEngine, sequence, sleep, sqliteStore, step, ValidationError, waitFor, workflow } from "../../src/index.js";
import { TestClock } from "../../src/testing/index.js";
import { storeContract } from "./contract.js";

const quiet = { log: () => undefined };
const dir = mkdtempSync(join(tmpdir(), "stepchart-codec-"));
let n = 0;
const k1 = randomBytes(32);
const k2 = randomBytes(32);

storeContract("codecStore(sqliteStore) with AES-GCM", async () => codecStore(sqliteStore(join(dir, `contract-${n++}.db`)), aesGcmCodec({ keys: { k1 } })));

const SECRET = "Alice Example, born 1970-01-01";

/** A patient workflow: personal data in the input, a step output, a signal payload, a durable timer. */
const intake = workflow(
  "Intake",
  sequence("Intake", [
    step("Record", (p: { name: string }) => ({ ...p, mrn: `MRN for ${p.name}` })),
    waitFor("Consent", "CONSENT"),
    sleep("Settle", "1h"),
    step("Summarize", (p: { name: string; note?: string }) => `${p.name}: ${p.note ?? "no note"}`),
  ]),
);

/** Every text value in every table of the database, and the raw bytes of its files. */
function everythingStored(path: string): string {
  const db = new Database(path, { readonly: true });
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name);
  const rows = tables.flatMap((t) => db.prepare(`SELECT * FROM "${t}"`).all());
  db.close();
  const files = readdirSync(dir).filter((f) => join(dir, f).startsWith(path));
  return JSON.stringify(rows) + files.map((f) => readFileSync(join(dir, f)).toString("latin1")).join("");
}

describe("payload protection with aesGcmCodec", () => {
  it("keeps no personal data in plaintext anywhere in the store, and runs, waits and resumes as without it", async () => {
    const path = join(dir, "intake.db");
    const clock = new TestClock(0);
    const codec = aesGcmCodec({ keys: { k1 } });
    const first = createEngine({ workflows: [intake], store: sqliteStore(path), clock, codec, ...quiet });
    await first.start("Intake", { name: SECRET }, { runId: "p-1" });
    await first.signal("p-1", { type: "CONSENT", note: `${SECRET} agrees` });
    expect((await first.get("p-1"))!.status).toBe("waiting");
    await first.close();
    expect(everythingStored(path)).not.toContain("Alice Example");

    const second = createEngine({ workflows: [intake], store: sqliteStore(path), clock, codec, ...quiet });
    await second.ready;
    await clock.advance(3_600_000);
    expect(await second.result("p-1")).toBe(`${SECRET}: ${SECRET} agrees`);
    await second.close();
    const stored = everythingStored(path);
    expect(stored).not.toContain("Alice Example");
    expect(stored).toContain("enc1:k1:");
  });

  it("rotates keys by id: old data stays readable, new data uses the current key, and a missing key stops the engine without touching the run", async () => {
    const path = join(dir, "rotation.db");
    const before = createEngine({ workflows: [intake], store: sqliteStore(path), codec: aesGcmCodec({ keys: { k1 } }), ...quiet });
    await before.start("Intake", { name: SECRET }, { runId: "p-2" });
    expect((await before.get("p-2"))!.status).toBe("waiting");
    await before.close();

    const withoutOld = createEngine({ workflows: [intake], store: sqliteStore(path), codec: aesGcmCodec({ keys: { k2 } }), ...quiet });
    await expect(withoutOld.get("p-2")).rejects.toMatchObject({ code: "unknown_key", message: expect.stringContaining('encrypted with key "k1"') });
    await withoutOld.close();

    const rotated = createEngine({ workflows: [intake], store: sqliteStore(path), codec: aesGcmCodec({ keys: { k2, k1 }, current: "k2" }), ...quiet });
    await rotated.signal("p-2", { type: "CONSENT" });
    expect((await rotated.get("p-2"))!.status).toBe("waiting");
    await rotated.close();
    const db = new Database(path, { readonly: true });
    const journal = db.prepare("SELECT ops FROM journal WHERE run_id = 'p-2' ORDER BY seq").all() as { ops: string }[];
    const signals = db.prepare("SELECT event FROM signals WHERE run_id = 'p-2'").all() as { event: string }[];
    db.close();
    expect(journal[0]!.ops.startsWith("enc1:k1:")).toBe(true);
    expect(journal.at(-1)!.ops.startsWith("enc1:k2:")).toBe(true);
    expect(signals.map((s) => s.event.slice(0, 8))).toEqual(["enc1:k2:"]);
  });

  it("refuses a value that was changed in the store instead of reading it wrong", async () => {
    const path = join(dir, "tamper.db");
    const codec = aesGcmCodec({ keys: { k1 } });
    const engine = createEngine({ workflows: [intake], store: sqliteStore(path), codec, ...quiet });
    await engine.start("Intake", { name: SECRET }, { runId: "p-3" });
    await engine.close();
    const db = new Database(path);
    const { input } = db.prepare("SELECT input FROM runs WHERE run_id = 'p-3'").get() as { input: string };
    const flipped = input.slice(0, -3) + (input.at(-3) === "A" ? "B" : "A") + input.slice(-2);
    db.prepare("UPDATE runs SET input = ? WHERE run_id = 'p-3'").run(flipped);
    db.close();
    const store = codecStore(sqliteStore(path), codec);
    await expect(store.getRun("p-3")).rejects.toMatchObject({ code: "decrypt_failed" });
    await store.close();
  });

  it("reads plaintext written before encryption was turned on, unless told to refuse it", async () => {
    const path = join(dir, "plain.db");
    const plain = createEngine({ workflows: [intake], store: sqliteStore(path), ...quiet });
    await plain.start("Intake", { name: "Bob" }, { runId: "p-4" });
    await plain.close();
    const accepting = codecStore(sqliteStore(path), aesGcmCodec({ keys: { k1 } }));
    expect(JSON.parse((await accepting.getRun("p-4"))!.input)).toEqual({ name: "Bob" });
    await accepting.close();
    const refusing = codecStore(sqliteStore(path), aesGcmCodec({ keys: { k1 }, plaintext: "refuse" }));
    await expect(refusing.getRun("p-4")).rejects.toMatchObject({ code: "not_encrypted" });
    await refusing.close();
  });

  it("refuses keys that are not 32 bytes, bad key ids and an unknown current key", () => {
    const cases: AesGcmOptions[] = [{ keys: {} }, { keys: { k1: randomBytes(16) } }, { keys: { "a:b": k1 } }, { keys: { k1 }, current: "k9" }, { keys: { k1: "not base64 of 32 bytes" } }];
    for (const options of cases) expect(() => aesGcmCodec(options), JSON.stringify(Object.keys(options.keys))).toThrow(ValidationError);
    expect(aesGcmCodec({ keys: { k1: k1.toString("base64") } }).current).toBe("k1");
  });
});
