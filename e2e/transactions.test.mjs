// End-to-end: interactive transactions (streams kept open across HTTP requests) with the unmodified
// @libsql/client and drizzle-orm (libsql driver), against a running local runtime.
// Env: MULTIDB_URL (default http://127.0.0.1:8080), MULTIDB_TOKEN, MULTIDB_ORG (default "local").
// Every request may reach another instance in AWS; locally one process serves them, which the Java tests
// (StreamServiceTest) complement with two instances that share nothing in memory.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { sqliteTable, integer, text } from "drizzle-orm/sqlite-core";
import { eq, sql } from "drizzle-orm";

import { base, token, org, suffix } from "./env.mjs";

const group = `tx-${suffix}`;
const name = `txdb-${suffix}`;
const auth = { authorization: `Bearer ${token}`, "content-type": "application/json" };
const clients = [];
const db = () => {
  const c = createClient({ url: `${base}/db/${name}/`, authToken: token });
  clients.push(c);
  return c;
};

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

/** One raw pipeline request, as the client sends it; answers the HTTP response and its JSON body. */
async function pipeline(baton, requests) {
  const res = await fetch(`${base}/db/${name}/v2/pipeline`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ baton, requests }),
  });
  return { res, body: await res.json() };
}

const count = async (c, where = "1") => Number((await c.execute(`SELECT count(*) AS n FROM notes WHERE ${where}`)).rows[0].n);

before(async () => {
  await control("POST", "/groups", { name: group, location: "local" });
  await control("POST", "/databases", { name, group });
  const c = db();
  await c.executeMultiple(`
    CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT NOT NULL, owner TEXT);
    CREATE TABLE acct(id INTEGER PRIMARY KEY, balance INTEGER NOT NULL);
    CREATE TABLE events(id INTEGER PRIMARY KEY, what TEXT);
    INSERT INTO acct VALUES (1, 100), (2, 50);`);
});

after(async () => {
  for (const c of clients) c.close();
  await control("DELETE", `/databases/${name}`);
  await control("DELETE", `/groups/${group}`);
});

test("transaction('write'): reads its own writes across requests, invisible until commit", async () => {
  const c = db();
  const other = db();
  const tx = await c.transaction("write");
  const ins = await tx.execute({ sql: "INSERT INTO notes(body, owner) VALUES (?, ?)", args: ["first", "tx1"] });
  assert.equal(ins.rowsAffected, 1);
  await tx.execute({ sql: "INSERT INTO notes(body, owner) VALUES (?, ?)", args: ["second", "tx1"] });
  assert.deepEqual((await tx.execute("SELECT body FROM notes WHERE owner = 'tx1' ORDER BY id")).rows.map((r) => r.body),
    ["first", "second"]);
  // A plain write in between does not wait: no lock is held between the transaction's requests. It touches
  // nothing the transaction read (an insert into notes would: the rowids the transaction was told would no
  // longer be free, and its commit would fail with STREAM_CONFLICT).
  await other.execute("INSERT INTO events(what) VALUES ('outside')");
  assert.equal(await count(other, "owner = 'tx1'"), 0);
  await tx.commit();
  assert.equal(await count(other, "owner = 'tx1'"), 2);
  assert.equal(Number((await other.execute("SELECT count(*) AS n FROM events")).rows[0].n), 1);
  assert.equal(tx.closed, true);
});

test("transaction('write'): rollback, and close without commit, write nothing", async () => {
  const c = db();
  const tx = await c.transaction("write");
  await tx.execute("INSERT INTO notes(body, owner) VALUES ('never', 'tx2')");
  await tx.batch(["INSERT INTO notes(body, owner) VALUES ('never2', 'tx2')", "UPDATE acct SET balance = 0"]);
  await tx.rollback();
  const tx3 = await c.transaction("write");
  await tx3.execute("INSERT INTO notes(body, owner) VALUES ('abandoned', 'tx2')");
  tx3.close();
  assert.equal(await count(c, "owner = 'tx2'"), 0);
  assert.equal(Number((await c.execute("SELECT balance FROM acct WHERE id = 1")).rows[0].balance), 100);
});

test("transaction('read'): reads, and its writes are refused", async () => {
  const c = db();
  const tx = await c.transaction("read");
  assert.equal(Number((await tx.execute("SELECT balance FROM acct WHERE id = 2")).rows[0].balance), 50);
  await assert.rejects(tx.execute("UPDATE acct SET balance = 0"), (e) => {
    assert.match(e.code, /SQLITE_READONLY/);
    return true;
  });
  await tx.commit();
  assert.equal(Number((await c.execute("SELECT balance FROM acct WHERE id = 2")).rows[0].balance), 50);
});

test("a concurrent write to what the transaction read makes its commit fail with STREAM_CONFLICT", async () => {
  const c = db();
  const other = db();
  const tx = await c.transaction("write");
  const before = Number((await tx.execute("SELECT balance FROM acct WHERE id = 1")).rows[0].balance);
  await tx.execute({ sql: "UPDATE acct SET balance = ? WHERE id = 1", args: [before - 10] });
  await tx.execute("INSERT INTO notes(body, owner) VALUES ('withdrawal', 'tx4')");
  await other.execute("UPDATE acct SET balance = balance + 1000 WHERE id = 1");
  await assert.rejects(tx.commit(), (e) => {
    assert.equal(e.code, "STREAM_CONFLICT");
    assert.match(e.message, /Nothing of the transaction was written/);
    return true;
  });
  assert.equal(Number((await other.execute("SELECT balance FROM acct WHERE id = 1")).rows[0].balance), before + 1000);
  assert.equal(await count(other, "owner = 'tx4'"), 0);
  // Retrying the whole transaction works.
  const retry = await c.transaction("write");
  const now = Number((await retry.execute("SELECT balance FROM acct WHERE id = 1")).rows[0].balance);
  await retry.execute({ sql: "UPDATE acct SET balance = ? WHERE id = 1", args: [now - 10] });
  await retry.commit();
  assert.equal(Number((await other.execute("SELECT balance FROM acct WHERE id = 1")).rows[0].balance), before + 990);
});

const notes = sqliteTable("notes", {
  id: integer("id").primaryKey(),
  body: text("body").notNull(),
  owner: text("owner"),
});

test("drizzle: db.transaction with nested transactions (savepoints), commit and rollback", async () => {
  const d = drizzle({ client: db() });
  const result = await d.transaction(async (tx) => {
    await tx.insert(notes).values({ body: "outer", owner: "dz" });
    await tx.transaction(async (nested) => {
      await nested.insert(notes).values({ body: "nested kept", owner: "dz" });
    });
    await assert.rejects(
      tx.transaction(async (nested) => {
        await nested.insert(notes).values({ body: "nested undone", owner: "dz" });
        nested.rollback();
      }),
      /Rollback/,
    );
    // Plain queries interleaved inside the transaction see its own writes.
    const seen = await tx.select().from(notes).where(eq(notes.owner, "dz"));
    return seen.map((n) => n.body).sort();
  });
  assert.deepEqual(result, ["nested kept", "outer"]);
  const committed = await d.select({ body: notes.body }).from(notes).where(eq(notes.owner, "dz"));
  assert.deepEqual(committed.map((n) => n.body).sort(), ["nested kept", "outer"]);

  await assert.rejects(
    d.transaction(async (tx) => {
      await tx.insert(notes).values({ body: "rolled back", owner: "dz2" });
      tx.rollback();
    }),
    /Rollback/,
  );
  const [{ n }] = await d.select({ n: sql`count(*)` }).from(notes).where(eq(notes.owner, "dz2"));
  assert.equal(Number(n), 0);
});

test("baton misuse: forged, reused, for another database → HTTP 400 application/json {message, code}", async () => {
  const first = await pipeline(null, [
    { type: "execute", stmt: { sql: "BEGIN IMMEDIATE" } },
    { type: "execute", stmt: { sql: "INSERT INTO notes(body, owner) VALUES ('raw', 'raw')" } },
  ]);
  assert.equal(first.res.status, 200);
  const b1 = first.body.baton;
  assert.equal(typeof b1, "string");
  const second = await pipeline(b1, [{ type: "execute", stmt: { sql: "SELECT count(*) FROM notes WHERE owner = 'raw'" } }]);
  assert.equal(second.res.status, 200);
  assert.equal(second.body.results[0].response.result.rows[0][0].value, "1");
  const b2 = second.body.baton;

  const expectRefusal = async (baton, code, dbName = name) => {
    const res = await fetch(`${base}/db/${dbName}/v2/pipeline`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ baton, requests: [{ type: "execute", stmt: { sql: "COMMIT" } }, { type: "close" }] }),
    });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get("content-type"), "application/json");
    const body = await res.json();
    assert.equal(body.code, code);
    assert.equal(typeof body.message, "string");
    assert.doesNotMatch(body.message, /raw/);
  };
  await expectRefusal(b1, "BATON_REUSED");
  await expectRefusal(`${b2.slice(0, -4)}AAAA`, "BATON_INVALID");
  await expectRefusal("forged-baton", "BATON_INVALID");
  const otherDb = `txo-${suffix}`;
  await control("POST", "/databases", { name: otherDb, group });
  await expectRefusal(b2, "BATON_INVALID", otherDb);
  await control("DELETE", `/databases/${otherDb}`);

  // The stream itself is untouched by all of that: it still commits.
  const done = await pipeline(b2, [{ type: "execute", stmt: { sql: "COMMIT" } }, { type: "close" }]);
  assert.equal(done.res.status, 200);
  assert.equal(done.body.baton, null);
  assert.equal(done.body.results[0].type, "ok");
  assert.equal(await count(db(), "owner = 'raw'"), 1);
});
