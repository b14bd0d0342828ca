// End-to-end: the unmodified @libsql/hrana-client (Hrana over HTTP, version 2) against a running local runtime:
// describe (parameters, columns, is_explain, is_readonly), the version probe GET /db/{name}/v2, and statements
// over the client's own streams. Env: MULTIDB_URL (default http://127.0.0.1:8080), MULTIDB_TOKEN, MULTIDB_ORG.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import * as hrana from "@libsql/hrana-client";

import { base, token, org, suffix } from "./env.mjs";

const group = `hr-${suffix}`;
const name = `hrdb-${suffix}`;
const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
const url = `${base}/db/${name}/`;
const clients = [];
let readOnlyToken;

async function control(method, path, body) {
  const res = await fetch(`${base}/v1/organizations/${org}${path}`, {
    method,
    headers: auth,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

function client(jwt = token, version = 2) {
  const c = hrana.openHttp(url, jwt, undefined, undefined, version);
  clients.push(c);
  return c;
}

before(async () => {
  await control("POST", "/groups", { name: group, location: "eu-west-1" });
  await control("POST", "/databases", { name, group });
  const s = client().openStream();
  await s.run("CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT NOT NULL, stars REAL)");
  await s.run(["INSERT INTO notes(body, stars) VALUES (?, ?)", ["hello", 4.5]]);
  s.close();
  readOnlyToken = (await control("POST", `/databases/${name}/auth/tokens?authorization=read-only`)).jwt;
});

after(async () => {
  for (const c of clients) c.close();
  await control("DELETE", `/databases/${name}`);
  await control("DELETE", `/groups/${group}`);
});

test("GET /db/{name}/v2 answers 200, so a client that probes for its version settles on 2", async () => {
  const res = await fetch(`${base}/db/${name}/v2`);
  assert.equal(res.status, 200);
  assert.equal((await res.json()).version, 2);
  // Protocol 3 asked for: the client probes v3-protobuf (404 here) and falls back to version 2.
  const c = client(token, 3);
  assert.equal(await c.getVersion(), 2);
  const rows = await c.openStream().query("SELECT body FROM notes");
  assert.equal(rows.rows[0].body, "hello");
});

test("describe a SELECT: parameter names, columns with declared types, read-only, not EXPLAIN", async () => {
  const s = client().openStream();
  const d = await s.describe("SELECT id, body AS text, stars * 2 FROM notes WHERE id = ? AND body = :body");
  assert.deepEqual(d.paramNames, [undefined, ":body"]); // a bare ? has no name (null on the wire)
  assert.deepEqual(d.columns, [
    { name: "id", decltype: "INTEGER" },
    { name: "text", decltype: "TEXT" },
    { name: "stars * 2", decltype: undefined },
  ]);
  assert.equal(d.isExplain, false);
  assert.equal(d.isReadonly, true);
  s.close();
});

test("describe writes, schema changes and EXPLAIN, and nothing of them runs", async () => {
  const s = client().openStream();
  const insert = await s.describe("INSERT INTO notes(body) VALUES (?1) RETURNING id");
  assert.equal(insert.isReadonly, false);
  assert.deepEqual(insert.paramNames, ["?1"]);
  assert.deepEqual(insert.columns, [{ name: "id", decltype: "INTEGER" }]);
  assert.equal((await s.describe("DROP TABLE notes")).isReadonly, false);
  const plan = await s.describe("EXPLAIN QUERY PLAN SELECT * FROM notes WHERE id = 1");
  assert.equal(plan.isExplain, true);
  assert.equal(plan.isReadonly, true);
  const count = await s.queryValue("SELECT count(*) FROM notes");
  assert.equal(count.value, 1);
  s.close();
});

test("describe refuses what does not prepare or what the sandbox refuses, as error results", async () => {
  const s = client().openStream();
  await assert.rejects(s.describe("SELEC 1"), (e) => e.code === "SQL_PARSE_ERROR");
  await assert.rejects(s.describe("SELECT * FROM missing"), (e) => e.code === "SQLITE_ERROR");
  await assert.rejects(s.describe("ATTACH 'x.db' AS x"), (e) => e.code === "STATEMENT_NOT_ALLOWED");
  // The stream goes on after an error result.
  assert.equal((await s.describe("SELECT 1")).columns.length, 1);
  s.close();
});

test("a read-only token may describe a write, and still not make one", async () => {
  const s = client(readOnlyToken).openStream();
  const d = await s.describe("UPDATE notes SET stars = ?");
  assert.equal(d.isReadonly, false);
  assert.deepEqual(d.paramNames, [undefined]);
  await assert.rejects(s.run("UPDATE notes SET stars = 0"), (e) => e.code === "READONLY_TOKEN");
  s.close();
});

test("stored SQL can be described; a transaction over the client's stream still works alongside", async () => {
  const c = client();
  const s = c.openStream();
  const sql = s.storeSql("SELECT body FROM notes WHERE id = ?");
  const d = await s.describe(sql);
  assert.deepEqual(d.columns, [{ name: "body", decltype: "TEXT" }]);
  await s.run("BEGIN");
  await s.run(["INSERT INTO notes(body) VALUES (?)", ["in tx"]]);
  assert.equal((await s.describe("SELECT * FROM notes")).columns.length, 3);
  await s.run("COMMIT");
  assert.equal((await s.queryValue("SELECT count(*) FROM notes")).value, 2);
  sql.close();
  s.close();
});
