import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { sqliteStore } from "../../src/index.js";
import { MIGRATIONS } from "../../src/store/migrations.js";
import { storeContract } from "./contract.js";

const dir = mkdtempSync(join(tmpdir(), "stepchart-sqlite-"));
let n = 0;
storeContract("sqliteStore", async () => sqliteStore(join(dir, `contract-${n++}.db`)));

describe("sqliteStore", () => {
  it("creates its folder, runs in WAL mode and records the applied migrations", async () => {
    const path = join(dir, "nested", "deeper", "s.db");
    const store = sqliteStore(path);
    await store.migrate();
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.prepare("SELECT version, name FROM schema_migrations ORDER BY version").all()).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
    db.close();
  });

  it("applies each migration once, however often it is opened", async () => {
    const path = join(dir, "again.db");
    for (let i = 0; i < 3; i++) await sqliteStore(path).close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare("SELECT count(*) AS n FROM schema_migrations").get()).toEqual({ n: MIGRATIONS.length });
    db.close();
  });

  it("upgrades a database made by an older release and keeps its runs", async () => {
    const path = join(dir, "old.db");
    const old = new Database(path);
    old.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    old.exec(MIGRATIONS[0]!.sqlite);
    old.prepare("INSERT INTO schema_migrations VALUES (1, ?, 0)").run(MIGRATIONS[0]!.name);
    old.prepare("INSERT INTO runs (run_id, workflow, version, hash, status, input, created_at, updated_at) VALUES ('r', 'W', '1', 'h', 'waiting', '{}', 1, 1)").run();
    old.close();
    const store = sqliteStore(path);
    expect((await store.getRun("r"))!.status).toBe("waiting");
    expect(await store.listSchedules()).toEqual([]);
    await store.close();
  });

  it("syncs NORMAL by default and FULL when asked", async () => {
    const normal = sqliteStore(join(dir, "normal.db"));
    expect(normal.settings()).toEqual({ journalMode: "wal", synchronous: "NORMAL" });
    await normal.close();
    const full = sqliteStore(join(dir, "full.db"), { synchronous: "FULL" });
    expect(full.settings()).toEqual({ journalMode: "wal", synchronous: "FULL" });
    await full.close();
  });
});
