import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { postgresStore } from "../../src/index.js";
import { MIGRATIONS } from "../../src/store/migrations.js";
import { DATABASE_URL, dropSchemas, freshSchema } from "../support/postgres.js";
import { storeContract } from "./contract.js";

const schemas: string[] = [];
function schema(): string {
  const name = freshSchema();
  schemas.push(name);
  return name;
}
afterAll(() => dropSchemas(...schemas));

storeContract("postgresStore", async () => postgresStore(DATABASE_URL, { schema: schema() }));

describe("postgresStore", () => {
  it("keeps its tables in the schema it is given and records the applied migrations there", async () => {
    const name = schema();
    const store = postgresStore(DATABASE_URL, { schema: name });
    await store.migrate();
    const { rows } = await store.pool.query(`SELECT version, name FROM "${name}".schema_migrations ORDER BY version`);
    expect(rows).toEqual(MIGRATIONS.map(({ version, name }) => ({ version, name })));
    const tables = await store.pool.query("SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name", [name]);
    expect(tables.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(["journal", "runs", "schema_migrations", "signals", "snapshots"]));
    await store.close();
  });

  it("applies each migration once when many stores on one schema start together", async () => {
    const name = schema();
    const stores = Array.from({ length: 4 }, () => postgresStore(DATABASE_URL, { schema: name, maxConnections: 2 }));
    await Promise.all(stores.map((s) => s.migrate()));
    const { rows } = await stores[0]!.pool.query(`SELECT count(*)::int AS n FROM "${name}".schema_migrations`);
    expect(rows[0].n).toBe(MIGRATIONS.length);
    await Promise.all(stores.map((s) => s.close()));
  });

  it("works on a pool the caller owns and leaves it open on close", async () => {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    const store = postgresStore(pool, { schema: schema() });
    expect(await store.listRuns({})).toEqual([]);
    await store.close();
    expect((await pool.query("SELECT 1 AS one")).rows[0].one).toBe(1);
    await pool.end();
  });

  it("refuses a schema name that is not a plain identifier, and a URL that is not postgres://", () => {
    expect(() => postgresStore(DATABASE_URL, { schema: 'x"; DROP SCHEMA public; --' })).toThrow(
      expect.objectContaining({ category: "validation", code: "invalid_schema_name", message: expect.stringMatching(/^Expected the PostgreSQL schema name/) }),
    );
    expect(() => postgresStore("mysql://localhost/db")).toThrow(expect.objectContaining({ code: "invalid_store_url", message: expect.stringContaining('got "mysql://localhost/db"') }));
  });
});
