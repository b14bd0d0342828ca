// End-to-end: the unmodified @tursodatabase/api and @libsql/client against a running local runtime.
// Run by local/'s EndToEndTest (mvn verify), which starts the runtime and sets MULTIDB_URL and MULTIDB_TOKEN.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createClient as createPlatformClient } from "@tursodatabase/api";
import { createClient } from "@libsql/client";
import { base, token, org, turso, suffix, db } from "./env.mjs";

async function rejects(promise, status, pattern) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.status, status, `status of ${e.message}`);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

test("groups: create, list, get, delete rules", async () => {
  const g = `grp-${suffix}`;
  const created = await turso.groups.create(g, "eu-west-1");
  assert.equal(created.name, g);
  assert.deepEqual(created.locations, ["eu-west-1"]);
  assert.ok((await turso.groups.list()).some((x) => x.name === g));
  assert.equal((await turso.groups.get(g)).primary, "eu-west-1");
  await rejects(turso.groups.create(g, "eu-west-1"), 409, /already exists/);
  await rejects(turso.groups.get(`nope-${suffix}`), 404, /does not exist/);
  await rejects(turso.groups.create("Bad_Name", "x"), 400, /lowercase letters, digits and dashes/);
  await turso.databases.create(`in-${suffix}`, { group: g });
  await rejects(turso.groups.delete(g), 409, /still holds 1/);
  await turso.databases.delete(`in-${suffix}`);
  assert.equal((await turso.groups.delete(g)).name, g);
});

test("schema database, children, list filters, get, delete rules", async () => {
  const g = `fam-${suffix}`;
  await turso.groups.create(g, "us-east-1");
  const other = `other-${suffix}`;
  await turso.groups.create(other, "us-east-1");
  const parent = `tpl-${suffix}`;
  const made = await turso.databases.create(parent, { group: g, is_schema: true });
  assert.equal(made.name, parent);
  assert.ok(made.id);
  assert.ok(made.hostname.endsWith(`/db/${parent}`));

  // Initial schema and a seed row on the schema database (no children yet: applies directly).
  const p = db(parent);
  await p.executeMultiple(`
    CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE, stars REAL DEFAULT 0);
    INSERT INTO notes(body) VALUES ('welcome');`);
  p.close();

  for (const n of ["a", "b", "c"]) {
    await turso.databases.create(`${n}-${suffix}`, { group: g, schema: parent });
  }
  await rejects(turso.databases.create(`x-${suffix}`, { group: other, schema: parent }), 400, /group/);
  await rejects(turso.databases.create(`y-${suffix}`, { group: g, schema: `a-${suffix}` }), 400, /not a schema database/);
  await rejects(turso.databases.create(`a-${suffix}`, { group: g }), 409, /already exists/);
  await rejects(turso.databases.create(`z-${suffix}`, { group: g, schema: `missing-${suffix}` }), 404, /does not exist/);

  const children = await turso.databases.list({ schema: parent });
  assert.deepEqual(children.map((d) => d.name).sort(), [`a-${suffix}`, `b-${suffix}`, `c-${suffix}`]);
  assert.ok(children.every((d) => d.schema === parent && d.is_schema === false));
  const schemas = await turso.databases.list({ type: "schema" });
  assert.ok(schemas.some((d) => d.name === parent && d.is_schema === true));
  assert.ok(schemas.every((d) => d.is_schema === true));
  assert.equal((await turso.databases.list({ group: other })).length, 0);
  const got = await turso.databases.get(`b-${suffix}`);
  assert.equal(got.group, g);
  assert.equal(got.schema, parent);
  assert.equal(got.allow_attach, false);

  // A child starts as a copy of the parent: schema and seed rows.
  const child = db(`a-${suffix}`);
  const rs = await child.execute("SELECT body FROM notes");
  assert.deepEqual(rs.rows.map((r) => r.body), ["welcome"]);
  // DDL on a child is refused: schema changes go through the parent.
  await assert.rejects(child.execute("ALTER TABLE notes ADD COLUMN x TEXT"), (e) => {
    assert.equal(e.code, "SCHEMA_CHANGE_REFUSED");
    assert.match(e.message, new RegExp(parent));
    return true;
  });
  // A write to the schema database now that it has children becomes a migration: it reaches every child.
  const p2 = db(parent);
  const seeded = await p2.execute("INSERT INTO notes(body) VALUES ('late')");
  assert.equal(seeded.rowsAffected, 0); // it ran as a migration across the family, not as a query
  assert.equal((await p2.execute("SELECT count(*) AS n FROM notes")).rows[0].n, 2);
  for (const n of ["a", "b", "c"]) {
    const rows = (await db(`${n}-${suffix}`).execute("SELECT body FROM notes ORDER BY id")).rows;
    assert.deepEqual(rows.map((r) => r.body), ["welcome", "late"]);
  }
  assert.equal((await turso.databases.get(`b-${suffix}`)).schema_version, undefined); // the client drops our keys
  const info = await (await fetch(`${base}/v1/organizations/${org}/databases/b-${suffix}`, {
    headers: { authorization: `Bearer ${token}` },
  })).json();
  assert.equal(info.database.schema_version, 1);
  // A trigger whose body holds CASE ... END; migrates the family (one splitter for every path).
  await p2.executeMultiple(`CREATE TABLE audit(note TEXT);
    CREATE TRIGGER notes_audit AFTER INSERT ON notes BEGIN
      INSERT INTO audit(note) VALUES (CASE WHEN new.body = 'x;y' THEN 'semi' ELSE 'plain' END);
    END;`);
  for (const n of ["a", "b", "c"]) {
    const c = db(`${n}-${suffix}`);
    await c.execute("INSERT INTO notes(body) VALUES ('x;y')");
    assert.deepEqual((await c.execute("SELECT note FROM audit")).rows.map((r) => r.note), ["semi"]);
    c.close();
  }
  p2.close();
  child.close();

  await rejects(turso.databases.delete(parent), 409, /3 children/);
  for (const n of ["a", "b", "c"]) await turso.databases.delete(`${n}-${suffix}`);
  await rejects(turso.databases.get(`a-${suffix}`), 404);
  await turso.databases.delete(parent);
  await turso.groups.delete(g);
  await turso.groups.delete(other);
});

test("@libsql/client: every value type, batch rollback, executeMultiple, constraint code", async () => {
  const g = `sql-${suffix}`;
  await turso.groups.create(g, "local");
  const name = `vals-${suffix}`;
  await turso.databases.create(name, { group: g });
  const c = db(name);
  await c.execute("CREATE TABLE v(id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, b BLOB, n TEXT)");
  const big = 9007199254740993n; // beyond 2^53: must survive as a 64-bit integer
  const ins = await c.execute({
    sql: "INSERT INTO v(i, r, t, b, n) VALUES (?, ?, ?, ?, ?)",
    args: [big, 1.5, "héllo ☃", new Uint8Array([0, 1, 2, 255]), null],
  });
  assert.equal(ins.rowsAffected, 1);
  assert.equal(ins.lastInsertRowid, 1n);
  const named = await c.execute({ sql: "SELECT :x AS x, $y AS y, @z AS z", args: { x: 1, y: "two", z: null } });
  assert.deepEqual([named.rows[0].x, named.rows[0].y, named.rows[0].z], [1, "two", null]);

  const ints = createClient({ url: `${base}/db/${name}/`, authToken: token, intMode: "bigint" });
  const row = (await ints.execute("SELECT i, r, t, b, n, typeof(b) AS tb FROM v")).rows[0];
  assert.equal(row.i, big);
  assert.equal(row.r, 1.5);
  assert.equal(row.t, "héllo ☃");
  assert.deepEqual(Array.from(new Uint8Array(row.b)), [0, 1, 2, 255]);
  assert.equal(row.n, null);
  assert.equal(row.tb, "blob");
  const cols = (await ints.execute("SELECT i, t FROM v")).columnTypes;
  assert.deepEqual(cols, ["INTEGER", "TEXT"]);
  ints.close();

  // batch("write"): a failing step rolls back every step before it.
  await assert.rejects(
    c.batch(
      [
        { sql: "INSERT INTO v(t) VALUES (?)", args: ["in-batch"] },
        "INSERT INTO nope VALUES (1)",
      ],
      "write",
    ),
  );
  assert.equal((await c.execute("SELECT count(*) AS n FROM v WHERE t = 'in-batch'")).rows[0].n, 0);
  const ok = await c.batch(["INSERT INTO v(t) VALUES ('b1')", "INSERT INTO v(t) VALUES ('b2')"], "write");
  assert.equal(ok.length, 2);
  assert.equal((await c.execute("SELECT count(*) AS n FROM v WHERE t LIKE 'b%'")).rows[0].n, 2);

  await c.executeMultiple(`
    CREATE TABLE u(email TEXT UNIQUE);
    INSERT INTO u VALUES ('a@x');
    INSERT INTO u VALUES ('b@x');`);
  assert.equal((await c.execute("SELECT count(*) AS n FROM u")).rows[0].n, 2);
  await assert.rejects(c.execute("INSERT INTO u VALUES ('a@x')"), (e) => {
    assert.match(e.code, /^SQLITE_CONSTRAINT/);
    assert.match(e.message, /UNIQUE/);
    return true;
  });
  // The sandbox: no other files.
  await assert.rejects(c.execute("ATTACH DATABASE '/tmp/x.db' AS x"), (e) => e.code === "STATEMENT_NOT_ALLOWED");
  await assert.rejects(c.execute("VACUUM INTO '/tmp/y.db'"), (e) => e.code === "STATEMENT_NOT_ALLOWED");
  c.close();
  await turso.databases.delete(name);
  await turso.groups.delete(g);
});

test("auth and bad input over HTTP", async () => {
  const noToken = await fetch(`${base}/v1/organizations/${org}/groups`);
  assert.equal(noToken.status, 401);
  assert.match((await noToken.json()).error, /token/);
  const wrong = createPlatformClient({ org, token: "wrong-token-wrong-token", baseUrl: `${base}/v1/` });
  await rejects(wrong.groups.list(), 401);
  const unknownOrg = createPlatformClient({ org: "someone-else", token, baseUrl: `${base}/v1/` });
  await rejects(unknownOrg.groups.list(), 404, /organization/);
  const badJson = await fetch(`${base}/v1/organizations/${org}/groups`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: "{nope",
  });
  assert.equal(badJson.status, 400);
  assert.match((await badJson.json()).error, /not valid JSON/);
  const noSlash = createClient({ url: `${base}/db/whatever`, authToken: token });
  await assert.rejects(noSlash.execute("SELECT 1"), /trailing slash/);
  const missing = db(`missing-${suffix}`);
  await assert.rejects(missing.execute("SELECT 1"), /does not exist/);
  const unauth = createClient({ url: `${base}/db/missing-${suffix}/` });
  await assert.rejects(unauth.execute("SELECT 1"), /token/);
});
