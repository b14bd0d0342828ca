// End-to-end: schema migrations through a running local runtime (the real ASL under aws-local-stepfunctions, the
// Java task handlers, dynalite, SQLite files), driven with the unmodified drizzle-orm, @libsql/client and
// @tursodatabase/api. Run by local/'s EndToEndTest (mvn verify), which sets MULTIDB_URL, MULTIDB_TOKEN, MULTIDB_ORG.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as delay } from "node:timers/promises";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";

import { base, token, org, turso, suffix, db } from "./env.mjs";

const group = `mig-${suffix}`;
const DRIZZLE = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "drizzle");
const RUNNING = new Set(["pending", "dry_running", "applying", "rolling_back"]);

// ------------------------------------------------------------------------------------------------ helpers

async function http(method, p, body) {
  const res = await fetch(`${base}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const migrationsOf = (parent) => `/v1/organizations/${org}/databases/${parent}/migrations`;

/** schema_version of a database as the control plane reports it (the platform client drops unknown keys). */
async function versionOf(name) {
  const r = await http("GET", `/v1/organizations/${org}/databases/${name}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.database.schema_version;
}

/** Polls the data plane's job endpoint until the job has ended. */
async function awaitJob(parent, id) {
  for (;;) {
    const r = await http("GET", `/db/${parent}/v1/jobs/${id}`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    if (!RUNNING.has(r.body.status)) return r.body;
    await delay(50); // nothing to await but the job itself: look again shortly
  }
}

async function rows(name, sql) {
  const c = db(name);
  try {
    return (await c.execute(sql)).rows.map((r) => ({ ...r }));
  } finally {
    c.close();
  }
}

/** The schema and the rows of t: what a migration that changed nothing must leave identical. */
async function snapshot(name) {
  return {
    schema: await rows(name, "SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name"),
    rows: await rows(name, "SELECT * FROM t ORDER BY id"),
  };
}

/**
 * A schema database with table t(id, name, email), a seed row, and n children; child i gets `perChild` rows of its
 * own (one INSERT ... SELECT over a recursive CTE, so that big families stay one request per child).
 */
async function family(parent, n, perChild) {
  await turso.databases.create(parent, { group, is_schema: true });
  const p = db(parent);
  await p.executeMultiple(`
    CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);
    INSERT INTO t(name, email) VALUES ('template', 'template@example.com');`);
  p.close();
  const children = [];
  for (let i = 0; i < n; i++) {
    const name = `${parent}-c${String(i).padStart(2, "0")}`;
    await turso.databases.create(name, { group, schema: parent });
    if (perChild > 0) {
      const c = db(name);
      await c.execute({
        sql: `WITH RECURSIVE k(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM k WHERE x < ?)
              INSERT INTO t(name, email) SELECT ? || '-' || x, ? || '-' || x || '@example.com' FROM k`,
        args: [perChild, name, name],
      });
      c.close();
    }
    children.push(name);
  }
  return children;
}

async function rejectsWith(promise, status, pattern) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.status, status, `status of ${e.message}`);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

before(async () => {
  await turso.groups.create(group, "local");
});

// ------------------------------------------------------------------------------------------------ (a) drizzle

/** drizzle-kit's folder with only the first `count` journal entries (the same files, so the same hashes). */
function drizzleFolder(count) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "multidb-drizzle-"));
  fs.mkdirSync(path.join(dir, "meta"));
  const journal = JSON.parse(fs.readFileSync(path.join(DRIZZLE, "meta", "_journal.json"), "utf8"));
  journal.entries = journal.entries.slice(0, count);
  fs.writeFileSync(path.join(dir, "meta", "_journal.json"), JSON.stringify(journal));
  for (const e of journal.entries) fs.copyFileSync(path.join(DRIZZLE, `${e.tag}.sql`), path.join(dir, `${e.tag}.sql`));
  return dir;
}

const sha256 = (file) => crypto.createHash("sha256").update(fs.readFileSync(file).toString()).digest("hex");

test("drizzle's libsql migrator run against the schema database migrates the whole family", { timeout: 120_000 }, async () => {
  const parent = `dz-${suffix}`;
  await turso.databases.create(parent, { group, is_schema: true });
  const children = [];
  for (const n of ["acme", "globex", "initech"]) {
    children.push(`dz-${n}-${suffix}`);
    await turso.databases.create(`dz-${n}-${suffix}`, { group, schema: parent });
  }
  const family = [parent, ...children];
  const client = db(parent);
  const orm = drizzle(client);

  // First deploy: only 0000 (users). The migrator's own CREATE TABLE and its BEGIN/COMMIT batch each become a job.
  await migrate(orm, { migrationsFolder: drizzleFolder(1) });
  const v1 = await versionOf(parent);
  assert.ok(v1 >= 1, `the schema database's version moved (${v1})`);
  for (const name of family) {
    assert.equal(await versionOf(name), v1, `${name} is at the schema database's version`);
    assert.deepEqual(await rows(name, "SELECT count(*) AS n FROM users"), [{ n: 0 }]);
    assert.deepEqual((await rows(name, "SELECT hash FROM __drizzle_migrations")).map((r) => r.hash),
      [sha256(path.join(DRIZZLE, "0000_users.sql"))]);
  }
  // Tenants get data of their own.
  for (const name of children) {
    const c = db(name);
    await c.batch([
      { sql: "INSERT INTO users(name, email) VALUES (?, ?)", args: [`${name} owner`, `owner@${name}.example`] },
      { sql: "INSERT INTO users(name, email) VALUES (?, ?)", args: [`${name} clerk`, `clerk@${name}.example`] },
    ], "write");
    c.close();
  }

  // Second deploy: the whole folder; only 0001 is new (ALTER + new table + index + a seed row).
  await migrate(orm, { migrationsFolder: DRIZZLE });
  const v2 = await versionOf(parent);
  assert.ok(v2 > v1, `0001 moved the version (${v1} → ${v2})`);
  const hashes = [sha256(path.join(DRIZZLE, "0000_users.sql")), sha256(path.join(DRIZZLE, "0001_posts_and_plans.sql"))];
  for (const name of family) {
    assert.equal(await versionOf(name), v2, `${name} is at the schema database's version`);
    assert.deepEqual((await rows(name, "SELECT hash FROM __drizzle_migrations ORDER BY created_at")).map((r) => r.hash), hashes);
    const users = await rows(name, "SELECT name, email, plan FROM users ORDER BY id");
    const own = name === parent ? [] : [
      { name: `${name} owner`, email: `owner@${name}.example`, plan: "free" },
      { name: `${name} clerk`, email: `clerk@${name}.example`, plan: "free" },
    ];
    assert.deepEqual(users, [...own, { name: "support", email: "support@example.com", plan: "staff" }], name);
    const indexes = (await rows(name, "SELECT name FROM sqlite_schema WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name"))
      .map((r) => r.name);
    assert.deepEqual(indexes, ["posts_author_idx", "users_email_unique"], name);
  }
  // The migrated schema works through drizzle on a child: a post with a foreign key to the tenant's user.
  const tenant = db(children[0]);
  await tenant.execute("INSERT INTO posts(author_id, title) VALUES (1, 'hello')");
  await assert.rejects(tenant.execute("INSERT INTO posts(author_id, title) VALUES (999, 'orphan')"),
    (e) => /^SQLITE_CONSTRAINT/.test(e.code) && /FOREIGN KEY/.test(e.message));
  tenant.close();

  // A third run finds nothing to do: no job, no version change anywhere.
  const jobsBefore = (await http("GET", `/db/${parent}/v1/jobs`)).body.migrations.length;
  await migrate(orm, { migrationsFolder: DRIZZLE });
  assert.equal((await http("GET", `/db/${parent}/v1/jobs`)).body.migrations.length, jobsBefore, "no new job");
  for (const name of family) {
    assert.equal(await versionOf(name), v2, name);
    assert.equal((await rows(name, "SELECT count(*) AS n FROM __drizzle_migrations"))[0].n, 2, name);
  }
  client.close();
});

// ------------------------------------------------------------------------------------------------ (b), (c)

test("a migration that fails on one child's data: failed, names the child and SQLite's error, nothing changed; jobs on the data plane", { timeout: 120_000 }, async () => {
  const parent = `dup-${suffix}`;
  const children = await family(parent, 6, 3);
  const bad = children[4];
  await rows(bad, `INSERT INTO t(name, email) VALUES ('again', '${bad}-2@example.com')`); // a duplicate email
  const before = {};
  for (const name of [parent, ...children]) before[name] = await snapshot(name);

  const r = await http("POST", migrationsOf(parent), {
    sql: "ALTER TABLE t ADD COLUMN note TEXT; CREATE UNIQUE INDEX t_email ON t(email)",
    wait: 25,
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const job = r.body;
  assert.equal(job.status, "failed");
  assert.equal(job.from_version, 0);
  assert.deepEqual(job.failed_children.map((f) => f.database), [bad]);
  assert.match(job.failed_children[0].error, /UNIQUE constraint failed: t\.email/);
  assert.match(job.error, new RegExp(`${bad}.*UNIQUE constraint failed: t\\.email`));
  assert.match(job.error, /nothing was changed/);
  assert.ok(job.finished_at);
  for (const name of [parent, ...children]) {
    assert.equal(await versionOf(name), 0, name);
    assert.deepEqual(await snapshot(name), before[name], `${name} is unchanged`);
  }
  // Writes work again: the family was released.
  await rows(children[0], "INSERT INTO t(name) VALUES ('after the failure')");

  // (c) The data plane's job endpoints: the list, then one job with per-database progress.
  const list = await http("GET", `/db/${parent}/v1/jobs`);
  assert.equal(list.status, 200);
  assert.equal(list.body.schema_version, 0);
  assert.deepEqual(list.body.migrations.map((j) => [j.job_id, j.status]), [[job.job_id, "failed"]]);
  const detail = await http("GET", `/db/${parent}/v1/jobs/${job.job_id}`);
  assert.equal(detail.status, 200);
  assert.equal(detail.body.status, "failed");
  const progress = Object.fromEntries(detail.body.progress.map((p) => [p.database, p]));
  assert.deepEqual(Object.keys(progress).sort(), [parent, ...children].sort());
  assert.equal(progress[bad].status, "dry_run_failed");
  assert.match(progress[bad].error, /UNIQUE constraint failed: t\.email/);
  assert.equal(progress[parent].status, "dry_run_ok");
  for (const p of Object.values(progress)) {
    assert.equal(p.schema_version, 0, p.database);
    assert.ok(!["applied", "restored"].includes(p.status), `${p.database} was never changed (${p.status})`);
  }

  // The same change sent as SQL to the schema database (as an ORM would) fails the same way, with a stable code.
  const viaSql = db(parent);
  await assert.rejects(viaSql.execute("CREATE UNIQUE INDEX t_email ON t(email)"), (e) => {
    assert.equal(e.code, "SCHEMA_MIGRATION_FAILED", e.message);
    assert.match(e.message, new RegExp(`${bad}.*UNIQUE constraint failed: t\\.email`));
    return true;
  });
  viaSql.close();
  for (const name of [parent, ...children]) assert.equal(await versionOf(name), 0, name);

  // Fix the data, migrate again: progress shows every database applied at version 1.
  await rows(bad, "DELETE FROM t WHERE name = 'again'");
  const ok = await http("POST", migrationsOf(parent), {
    sql: "ALTER TABLE t ADD COLUMN note TEXT; CREATE UNIQUE INDEX t_email ON t(email)",
    wait: 25,
  });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.status, "succeeded");
  const done = (await http("GET", `/db/${parent}/v1/jobs/${ok.body.job_id}`)).body;
  assert.equal(done.progress.length, children.length + 1);
  for (const p of done.progress) assert.deepEqual([p.database, p.status, p.schema_version], [p.database, "applied", 1]);
  const jobs = (await http("GET", `/db/${parent}/v1/jobs`)).body;
  assert.equal(jobs.schema_version, 1);
  assert.equal(jobs.migrations.length, 3);
  assert.deepEqual(jobs.migrations.map((j) => j.status).sort(), ["failed", "failed", "succeeded"]);
  assert.ok(jobs.migrations.some((j) => j.job_id === job.job_id) && jobs.migrations.some((j) => j.job_id === ok.body.job_id));
  const missing = await http("GET", `/db/${parent}/v1/jobs/00000000-0000-0000-0000-000000000000`);
  assert.equal(missing.status, 404);
});

// ------------------------------------------------------------------------------------------------ (d)

test("two migrations at once: exactly one runs, the other is 409 naming it; no create or delete in the family meanwhile", { timeout: 120_000 }, async () => {
  const parent = `two-${suffix}`;
  const children = await family(parent, 20, 20_000);

  const [a, b] = await Promise.all([
    http("POST", migrationsOf(parent), { sql: "ALTER TABLE t ADD COLUMN a TEXT", wait: 25 }),
    http("POST", migrationsOf(parent), { sql: "ALTER TABLE t ADD COLUMN b TEXT", wait: 25 }),
  ]);
  const statuses = [a.status, b.status].sort();
  assert.deepEqual(statuses, [200, 409], `${JSON.stringify(a.body)} / ${JSON.stringify(b.body)}`);
  const [won, lost] = a.status === 200 ? [a, b] : [b, a];
  assert.equal(won.body.status, "succeeded");
  assert.match(lost.body.error, new RegExp(`being migrated by job ${won.body.job_id}`));
  const columns = (await rows(children[7], "SELECT name FROM pragma_table_info('t')")).map((r) => r.name);
  assert.equal(columns.filter((c) => c === "a" || c === "b").length, 1, `exactly one migration ran: ${columns}`);
  const listed = (await http("GET", migrationsOf(parent))).body.migrations;
  assert.deepEqual(listed.map((j) => j.job_id), [won.body.job_id], "the refused start left no job behind");

  // While a job runs (started without wait: the answer is 202 with the family already locked), the family's
  // membership is frozen and the schema database refuses writes. The job runs for far longer than these few
  // requests take (20 children of 20,000 rows, every row rewritten): the checks need it still running.
  const t0 = Date.now();
  const started = await http("POST", migrationsOf(parent), { sql: "CREATE INDEX t_name ON t(name); UPDATE t SET email = upper(email)" });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const id = started.body.job_id;
  await rejectsWith(turso.databases.create(`${parent}-new`, { group, schema: parent }), 409, new RegExp(id));
  await rejectsWith(turso.databases.delete(children[3]), 409, new RegExp(id));
  const again = await http("POST", migrationsOf(parent), { sql: "CREATE INDEX t_email ON t(email)" });
  assert.equal(again.status, 409);
  assert.match(again.body.error, new RegExp(`being migrated by job ${id}`));
  const p = db(parent);
  await assert.rejects(p.execute("INSERT INTO t(name) VALUES ('seed during the job')"), (e) => {
    assert.equal(e.code, "BLOCKED", e.message);
    assert.match(e.message, new RegExp(id));
    return true;
  });
  assert.equal((await p.execute("SELECT count(*) AS n FROM t")).rows[0].n, 1, "reads on the schema database go on");
  const t1 = Date.now();
  assert.equal((await awaitJob(parent, id)).status, "succeeded");
  console.log(`# the checks during the job took ${t1 - t0} ms of its ${Date.now() - t0} ms`);

  // Afterwards both work, and a new child starts at the family's version.
  await turso.databases.create(`${parent}-new`, { group, schema: parent });
  assert.equal(await versionOf(`${parent}-new`), await versionOf(parent));
  assert.equal(await versionOf(parent), 2);
  await turso.databases.delete(children[3]);
  assert.equal((await p.execute("SELECT count(*) AS n FROM t WHERE email = upper(email)")).rows[0].n, 1);
  p.close();
});

// ------------------------------------------------------------------------------------------------ (e)

test("writes during a migration are BLOCKED, reads go on, and no acknowledged write is lost", { timeout: 120_000 }, async () => {
  const parent = `wr-${suffix}`;
  const children = await family(parent, 30, 300);
  const initial = {};
  for (const c of children) initial[c] = (await rows(c, "SELECT count(*) AS n FROM t"))[0].n;

  const acked = []; // { child, tag, startedIn, ackedIn }
  const blocked = []; // { child, tag, message }
  const errors = [];
  let readsDuringMigration = 0;
  // before → starting (the start request is on its way) → during (the job runs) → after (it has ended)
  let phase = "before";
  let stop = false;
  let seq = 0;
  const clients = Object.fromEntries(children.map((c) => [c, db(c)]));

  async function writer(w) {
    let i = w * 7;
    while (!stop) {
      const child = children[i++ % children.length];
      const tag = `w${w}-${seq++}`;
      const startedIn = phase;
      try {
        // A read, then a write: if the write is refused for the migration, the read (which began after the
        // migration had started) happened while it ran.
        const n = (await clients[child].execute("SELECT count(*) AS n FROM t")).rows[0].n;
        assert.ok(n >= initial[child], `${child} has ${n} rows`);
        try {
          await clients[child].execute({ sql: "INSERT INTO t(name, email) VALUES (?, ?)", args: [tag, `${tag}@w`] });
          acked.push({ child, tag, startedIn, ackedIn: phase });
        } catch (e) {
          assert.equal(e.code, "BLOCKED", `${child}: ${e.code} ${e.message}`);
          blocked.push({ child, tag, message: e.message, startedIn });
          if (startedIn === "during") readsDuringMigration++;
        }
      } catch (e) {
        errors.push(e);
        stop = true;
      }
    }
  }

  const writers = [0, 1, 2].map((w) => writer(w));
  const until = async (cond) => {
    while (!cond() && !stop) await delay(10);
  };
  await until(() => acked.length >= 30);

  phase = "starting";
  const sql = "ALTER TABLE t ADD COLUMN note TEXT DEFAULT 'n'; CREATE INDEX t_email ON t(email); UPDATE t SET note = name";
  const started = await http("POST", migrationsOf(parent), { sql, max_concurrency: 2 });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const jobId = started.body.job_id;
  phase = "during";
  const job = await awaitJob(parent, jobId);
  phase = "after";
  await until(() => acked.filter((a) => a.startedIn === "after").length >= 30);
  stop = true;
  await Promise.all(writers);
  for (const c of Object.values(clients)) c.close();
  assert.deepEqual(errors, []);
  console.log(`# writers: acked ${acked.length} (before ${acked.filter((a) => a.ackedIn === "before").length}, after ${acked.filter((a) => a.startedIn === "after").length}), blocked ${blocked.length}, reads during ${readsDuringMigration}`);

  assert.equal(job.status, "succeeded", JSON.stringify(job));
  assert.ok(blocked.length > 0, "some writes ran into the migration");
  assert.ok(readsDuringMigration > 0, "reads went on during the migration");
  for (const b of blocked) assert.match(b.message, new RegExp(jobId));
  // Once the job reports that it has ended, the family is writable: no write begun after that is refused.
  assert.deepEqual(blocked.filter((b) => b.startedIn === "after").map((b) => b.tag), []);

  // Every acknowledged write is there exactly once, no refused one is, and the migration reached every row.
  for (const child of children) {
    const got = await rows(child, "SELECT name, note FROM t");
    const names = new Set(got.map((r) => r.name));
    const mine = acked.filter((a) => a.child === child);
    for (const a of mine) assert.ok(names.has(a.tag), `${child} lost acknowledged write ${a.tag} (${a.startedIn})`);
    for (const b of blocked.filter((x) => x.child === child)) assert.ok(!names.has(b.tag), `${child} has refused write ${b.tag}`);
    assert.equal(got.length, initial[child] + mine.length, child);
    // Rows acknowledged before the start was sent were updated by the migration; rows written after it ended
    // got the new column's default.
    const note = Object.fromEntries(got.map((r) => [r.name, r.note]));
    for (const a of mine.filter((x) => x.ackedIn === "before")) assert.equal(note[a.tag], a.tag, a.tag);
    for (const a of mine.filter((x) => x.startedIn === "after")) assert.equal(note[a.tag], "n", a.tag);
    assert.equal(await versionOf(child), 1, child);
  }
});
