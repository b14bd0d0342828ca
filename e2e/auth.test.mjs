// End-to-end: database and group tokens made with the unmodified @tursodatabase/api, used with @libsql/client.
// Run by local/'s EndToEndTest (mvn verify), which starts the runtime and sets MULTIDB_URL, MULTIDB_TOKEN, MULTIDB_ORG.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createClient as createPlatformClient } from "@tursodatabase/api";
import { base, token, org, turso, suffix, db } from "./env.mjs";

/** The client's error for a refused request or statement: LibsqlError with the server's code. */
async function refused(promise, code, pattern) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.code, code, `code of ${e.message}`);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

async function count(name, table = "t") {
  const c = db(name, token);
  try {
    return (await c.execute(`SELECT count(*) AS n FROM ${table}`)).rows[0].n;
  } finally {
    c.close();
  }
}

/** g: schema database tpl with children a and b; solo standalone. other-g: other. */
async function family() {
  const g = `auth-${suffix}-${Math.random().toString(36).slice(2, 6)}`;
  const other = `${g}-x`;
  await turso.groups.create(g, "local");
  await turso.groups.create(other, "local");
  const names = { g, other, tpl: `${g}-tpl`, a: `${g}-a`, b: `${g}-b`, solo: `${g}-solo`, far: `${g}-far` };
  await turso.databases.create(names.tpl, { group: g, is_schema: true });
  const p = db(names.tpl, token);
  await p.executeMultiple("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t(v) VALUES ('seed');");
  p.close();
  await turso.databases.create(names.a, { group: g, schema: names.tpl });
  await turso.databases.create(names.b, { group: g, schema: names.tpl });
  await turso.databases.create(names.solo, { group: g });
  await turso.databases.create(names.far, { group: other });
  for (const n of [names.solo, names.far]) {
    const c = db(n, token);
    await c.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
    c.close();
  }
  names.cleanup = async () => {
    for (const n of [names.a, names.b, names.solo, names.far]) await turso.databases.delete(n);
    await turso.databases.delete(names.tpl);
    await turso.groups.delete(g);
    await turso.groups.delete(other);
  };
  return names;
}

test("database tokens open their own database only", async () => {
  const f = await family();
  const { jwt } = await turso.databases.createToken(f.a, { expiration: "1d" });
  assert.match(jwt, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const a = db(f.a, jwt);
  await a.execute({ sql: "INSERT INTO t(v) VALUES (?)", args: ["mine"] });
  assert.equal((await a.execute("SELECT count(*) AS n FROM t")).rows[0].n, 2);
  a.close();
  for (const other of [f.b, f.tpl, f.solo, f.far, `nope-${suffix}`]) {
    const c = db(other, jwt);
    await refused(c.execute("DELETE FROM t"), "FORBIDDEN", /does not grant access/);
    c.close();
  }
  assert.equal(await count(f.b), 1);
  assert.equal(await count(f.tpl), 1);
  // The control plane takes the admin token only.
  const asTenant = createPlatformClient({ org, token: jwt, baseUrl: `${base}/v1/` });
  await assert.rejects(asTenant.databases.list(), (e) => e.status === 403);
  await assert.rejects(asTenant.databases.createToken(f.b), (e) => e.status === 403);
  await assert.rejects(asTenant.databases.rotateTokens(f.a), (e) => e.status === 403);
  // Job endpoints of the schema database belong to the schema database's tokens.
  const jobs = await fetch(`${base}/db/${f.tpl}/v1/jobs`, { headers: { authorization: `Bearer ${jwt}` } });
  assert.equal(jobs.status, 403);
  assert.equal((await jobs.json()).code, "FORBIDDEN");
  await f.cleanup();
});

test("read-only tokens read, and every write is refused with READONLY_TOKEN", async () => {
  const f = await family();
  const { jwt } = await turso.databases.createToken(f.solo, { authorization: "read-only", expiration: "12h" });
  const seed = db(f.solo, token);
  await seed.execute("INSERT INTO t(v) VALUES ('one'), ('two')");
  seed.close();
  const c = db(f.solo, jwt);
  assert.equal((await c.execute("SELECT count(*) AS n FROM t")).rows[0].n, 2);
  for (const sql of ["INSERT INTO t(v) VALUES ('x')", "UPDATE t SET v = 'x'", "DELETE FROM t", "DROP TABLE t",
    "CREATE TABLE u(a)", "CREATE TEMP TABLE x(a)", "PRAGMA user_version = 3"]) {
    await refused(c.execute(sql), "READONLY_TOKEN", /read-only/);
  }
  await refused(c.batch(["INSERT INTO t(v) VALUES ('b1')", "INSERT INTO t(v) VALUES ('b2')"], "write"), "READONLY_TOKEN");
  await refused(c.executeMultiple("INSERT INTO t(v) VALUES ('m'); DELETE FROM t;"), "READONLY_TOKEN");
  await refused(c.execute("PRAGMA query_only = 0"), "STATEMENT_NOT_ALLOWED");
  // Reads in a read transaction are fine.
  const rs = await c.batch(["SELECT count(*) AS n FROM t", "SELECT max(id) AS m FROM t"], "read");
  assert.equal(rs[0].rows[0].n, 2);
  c.close();
  assert.equal(await count(f.solo), 2);
  // A read-only group token is refused writes the same way, on every database of the group.
  const group = (await turso.groups.createToken(f.g, { authorization: "read-only" })).jwt;
  for (const n of [f.a, f.solo]) {
    const g = db(n, group);
    assert.ok((await g.execute("SELECT count(*) AS n FROM t")).rows[0].n >= 1);
    await refused(g.execute("DELETE FROM t"), "READONLY_TOKEN");
    g.close();
  }
  // A write to the schema database with a read-only token is refused, not turned into a migration.
  const p = db(f.tpl, group);
  await refused(p.execute("INSERT INTO t(v) VALUES ('everywhere')"), "READONLY_TOKEN");
  p.close();
  assert.equal(await count(f.a), 1);
  await assert.rejects(turso.databases.createToken(f.solo, { authorization: "admin" }), (e) => e.status === 400);
  await assert.rejects(turso.databases.createToken(f.solo, { expiration: "1y" }), (e) => e.status === 400);
  await f.cleanup();
});

test("rotation revokes earlier tokens; tokens issued after it work", async () => {
  const f = await family();
  const before = (await turso.databases.createToken(f.a)).jwt;
  const group = (await turso.groups.createToken(f.g)).jwt;
  const old = db(f.a, before);
  await old.execute("SELECT 1");
  await turso.databases.rotateTokens(f.a);
  await refused(old.execute("SELECT 1"), "UNAUTHORIZED", /rotated/);
  old.close();
  const after = db(f.a, (await turso.databases.createToken(f.a)).jwt);
  assert.equal((await after.execute("SELECT count(*) AS n FROM t")).rows[0].n, 1);
  after.close();
  // The group's token was not rotated with the database.
  const g = db(f.a, group);
  await g.execute("SELECT 1");
  await turso.groups.rotateTokens(f.g);
  await refused(g.execute("SELECT 1"), "UNAUTHORIZED", /rotated/);
  g.close();
  const fresh = db(f.solo, (await turso.groups.createToken(f.g)).jwt);
  await fresh.execute("SELECT 1");
  fresh.close();
  await f.cleanup();
});

test("group tokens open the databases of their group only", async () => {
  const f = await family();
  const { jwt } = await turso.groups.createToken(f.g, { expiration: "2w" });
  for (const n of [f.tpl, f.a, f.b, f.solo]) {
    const c = db(n, jwt);
    assert.ok((await c.execute("SELECT count(*) AS n FROM t")).rows[0].n >= 0);
    c.close();
  }
  const w = db(f.a, jwt);
  await w.execute("INSERT INTO t(v) VALUES ('by the group')");
  w.close();
  assert.equal(await count(f.a), 2);
  const far = db(f.far, jwt);
  await refused(far.execute("SELECT 1"), "FORBIDDEN");
  far.close();
  const missing = db(`nope-${suffix}`, jwt);
  await refused(missing.execute("SELECT 1"), "FORBIDDEN");
  missing.close();
  const jobs = await fetch(`${base}/db/${f.tpl}/v1/jobs`, { headers: { authorization: `Bearer ${jwt}` } });
  assert.equal(jobs.status, 200);
  const asGroup = createPlatformClient({ org, token: jwt, baseUrl: `${base}/v1/` });
  await assert.rejects(asGroup.groups.list(), (e) => e.status === 403);
  await f.cleanup();
});

test("a database deleted and created again does not take the old tokens", async () => {
  const g = `del-${suffix}`;
  await turso.groups.create(g, "local");
  const name = `${g}-db`;
  await turso.databases.create(name, { group: g });
  const old = (await turso.databases.createToken(name)).jwt;
  await turso.databases.delete(name);
  await turso.databases.create(name, { group: g });
  const c = db(name, old);
  await refused(c.execute("SELECT 1"), "UNAUTHORIZED");
  c.close();
  const fresh = db(name, (await turso.databases.createToken(name)).jwt);
  await fresh.execute("SELECT 1");
  fresh.close();
  await turso.databases.delete(name);
  await turso.groups.delete(g);
});

test("bad tokens are 401 with a JSON body the client reads", async () => {
  const g = `bad-${suffix}`;
  await turso.groups.create(g, "local");
  const name = `${g}-db`;
  await turso.databases.create(name, { group: g });
  const { jwt } = await turso.databases.createToken(name);
  const [h, p, s] = jwt.split(".");
  const claims = JSON.parse(Buffer.from(p, "base64url").toString());
  claims.access = "full-access";
  claims.name = "someone-else";
  const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${s}`;
  const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${p}.`;
  for (const t of [forged, none, "x.y.z", token.slice(1)]) {
    const c = db(name, t);
    await refused(c.execute("SELECT 1"), "UNAUTHORIZED");
    c.close();
  }
  const r = await fetch(`${base}/db/${name}/v2/pipeline`, {
    method: "POST",
    headers: { authorization: `Bearer ${forged}`, "content-type": "application/json" },
    body: JSON.stringify({ requests: [{ type: "execute", stmt: { sql: "SELECT 1" } }] }),
  });
  assert.equal(r.status, 401);
  assert.equal(r.headers.get("content-type"), "application/json");
  const body = await r.json();
  assert.equal(body.code, "UNAUTHORIZED");
  assert.match(body.message, /signature/);
  await turso.databases.delete(name);
  await turso.groups.delete(g);
});
