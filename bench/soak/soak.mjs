// The soak (issue 17): a fleet under a mixed @libsql/client load for N minutes while migrations run every minute,
// the local runtime is SIGKILLed and started again, and dynalite is killed and started again; then every
// acknowledged write is looked for, every family's schema is compared, and the figures are written.
// Run it with bin/soak (which builds first); see docs/soak.md.
//   node bench/soak/soak.mjs [--minutes 10] [--clients 32] [--out bench/results/soak]
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { setTimeout as delay } from "node:timers/promises";
import { createClient as createPlatformClient } from "@tursodatabase/api";
import { createClient } from "@libsql/client";
import { Runtime } from "./runtime.mjs";
import { Load, errorCode } from "./load.mjs";
import { summarize } from "./report.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const args = parseArgs(process.argv.slice(2));
const MINUTES = Number(args.minutes ?? 10);
const CLIENTS = Number(args.clients ?? 32);
const OUT = path.resolve(ROOT, args.out ?? "bench/results/soak");
const DURATION_MS = MINUTES * 60_000;
assert.ok(MINUTES >= 1 && MINUTES <= 120, "--minutes must be 1..120");
assert.ok(CLIENTS >= 1 && CLIENTS <= 512, "--clients must be 1..512");

const ORG = "local";
const GROUP = "soak";
const FAMILIES = { a: "fam-a", b: "fam-b" };
const CHILDREN_PER_FAMILY = 50;
const STANDALONE = 20;
const FIRST_MIGRATION_MS = 20_000;
const MIGRATION_EVERY_MS = 60_000;
/** The child whose apply fails (bench's SoakRuntime): migrations whose dry-run passed fail there and roll back. */
const APPLY_FAILS_ON = "b-048";
/** The child with duplicate guard rows: a UNIQUE index on guard fails its dry-run. */
const DRY_RUN_FAILS_ON = "b-049";
const KILL_WITHIN_MS = 20_000;
const RECOVERY_LIMIT_MS = 300_000;
/** After the restart, how long the soak waits for the killed job to end by itself before it asks for an unlock. */
const UNLOCK_AFTER_MS = 30_000;
const ENDED = new Set(["succeeded", "failed", "rolled_back", "aborted"]);
let probes = 0; // probe writes to guard (see awaitWritable)

const childName = (f, i) => `${f}-${String(i).padStart(3, "0")}`;
const familyOfChild = (name) => (/^([ab])-\d{3}$/.exec(name) ?? [])[1];

// ------------------------------------------------------------------------------------------------------ setup
const token = crypto.randomBytes(24).toString("base64url");
const work = path.join(ROOT, "bench/target/soak");
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });
fs.mkdirSync(OUT, { recursive: true });
const port = await freePort();
const runtime = new Runtime({
  root: ROOT, port, dataDir: path.join(work, "data"), logFile: path.join(work, "runtime.log"), token,
  failApplyOn: APPLY_FAILS_ON,
});
const base = runtime.base;
const events = []; // { t, what, ... } for the report and the plot
let t0 = performance.now();
const now = () => performance.now() - t0;
const log = (msg) => console.error(`soak ${(now() / 1000).toFixed(1).padStart(6)} s  ${msg}`);
process.on("SIGINT", async () => {
  await runtime.stop();
  process.exit(130);
});

let load;
try {
  log(`starting the runtime on ${base} (data in ${work})`);
  await runtime.start();
  const databases = await createFleet();
  log(`fleet ready: ${databases.length} databases; load from ${CLIENTS} clients for ${MINUTES} min`);

  t0 = performance.now();
  load = new Load({ base, token, databases, clients: CLIENTS, t0, rng: seededRandom(17) });
  const running = load.run();
  const plan = planEvents();
  log(`plan: ${plan.migrations} migrations, kill during #${plan.killAt}, dynalite restart at ${(plan.dynaliteAt / 1000).toFixed(0)} s`);
  const cpu = sampleCpu();
  const choreography = Promise.all([runMigrations(plan), restartDynaliteAt(plan.dynaliteAt)]).then(([m]) => m);
  choreography.catch(() => {}); // handled below, after the load stopped
  await delay(Math.max(0, DURATION_MS - now()));
  await load.stop();
  await running;
  const loadEnd = now();
  cpu.stop();
  log(`load stopped: ${load.ops.length} operations`);
  const migrations = await choreography; // a job stuck by the kill may still be waited for (bounded)

  // Let every family become writable (a job stuck by the kill blocks its family until it is released).
  for (const f of Object.values(FAMILIES)) await awaitWritable(f, childName(f === FAMILIES.a ? "a" : "b", 0), null);
  const verification = await verify(databases);
  const summary = summarize({ load, migrations, events, verification, loadEnd, databases, clients: CLIENTS,
    minutes: MINUTES, familyOfDb: databases.map((n) => familyOfChild(n)), loadAverage: os.loadavg(), cpus: os.cpus().length,
    cpu: cpu.result(loadEnd) });
  fs.writeFileSync(path.join(OUT, "soak.json"), JSON.stringify(summary, null, 2) + "\n");
  fs.writeFileSync(path.join(OUT, "timeline.csv"), summary.timelineCsv);
  delete summary.timelineCsv;
  fs.writeFileSync(path.join(OUT, "soak.md"), summary.markdown);
  console.log(summary.markdown);
  process.exitCode = summary.verdict.ok ? 0 : 1;
} finally {
  if (load && !load.stopping) await load.stop().catch(() => {});
  await runtime.stop();
}

// ------------------------------------------------------------------------------------------------------ fleet
async function createFleet() {
  const turso = createPlatformClient({ org: ORG, token, baseUrl: `${base}/v1/` });
  await turso.groups.create(GROUP, "eu-west-1");
  const schema = `
    CREATE TABLE items(id INTEGER PRIMARY KEY, uid TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT);
    CREATE INDEX items_uid ON items(uid);
    CREATE TABLE guard(x INTEGER);`;
  for (const f of Object.values(FAMILIES)) {
    await turso.databases.create(f, { group: GROUP, is_schema: true });
    const p = createClient({ url: `${base}/db/${f}/`, authToken: token });
    await p.executeMultiple(schema);
    p.close();
  }
  const names = [];
  for (const [key, parent] of Object.entries(FAMILIES)) {
    for (let i = 0; i < CHILDREN_PER_FAMILY; i++) names.push([childName(key, i), parent]);
  }
  for (let i = 0; i < STANDALONE; i++) names.push([childName("s", i), null]);
  await pool(names, 4, async ([name, parent]) => {
    await turso.databases.create(name, parent ? { group: GROUP, schema: parent } : { group: GROUP });
    if (!parent) {
      const c = createClient({ url: `${base}/db/${name}/`, authToken: token });
      await c.executeMultiple(schema);
      c.close();
    }
  });
  const c = createClient({ url: `${base}/db/${DRY_RUN_FAILS_ON}/`, authToken: token });
  await c.execute("INSERT INTO guard(x) VALUES (1), (1)");
  c.close();
  return names.map(([n]) => n);
}

// ------------------------------------------------------------------------------------------------- migrations
function planEvents() {
  let n = 0;
  while (FIRST_MIGRATION_MS + n * MIGRATION_EVERY_MS <= DURATION_MS - 20_000) n++;
  // The kill lands in a successful migration (the longest: it reaches the apply), the 4th when there is one.
  let killAt = Math.min(3, n - 1);
  killAt -= killAt % 3;
  const slot = (k) => FIRST_MIGRATION_MS + k * MIGRATION_EVERY_MS;
  const dynaliteAt = n - killAt >= 3 ? slot(killAt + Math.ceil((n - killAt) / 2)) + 30_000 : Math.max(5_000, slot(killAt) - 30_000);
  return { migrations: n, killAt, dynaliteAt, slot };
}

/** Alternating: success (family a), a dry-run failure (b), a failure after the dry-run (b). */
function migrationOf(k) {
  switch (k % 3) {
    case 0: return { kind: "success", family: FAMILIES.a, expected: "succeeded",
      sql: `ALTER TABLE items ADD COLUMN c${k} INTEGER NOT NULL DEFAULT 0; CREATE INDEX items_c${k} ON items(c${k})` };
    case 1: return { kind: "dry-run failure", family: FAMILIES.b, expected: "failed",
      sql: `CREATE UNIQUE INDEX guard_u${k} ON guard(x)` };
    default: return { kind: "failure after the dry-run", family: FAMILIES.b, expected: "rolled_back",
      sql: `ALTER TABLE items ADD COLUMN d${k} TEXT` };
  }
}

/** One migration per slot, each on its own (a family blocked by a stuck job does not delay the other's). */
async function runMigrations(plan) {
  const done = [];
  const running = [];
  for (let k = 0; k < plan.migrations; k++) {
    await delay(Math.max(0, plan.slot(k) - now()));
    const m = { k, ...migrationOf(k), tPost: now(), killed: k === plan.killAt };
    done.push(m);
    running.push(runMigration(m));
  }
  await Promise.all(running);
  return done;
}

async function runMigration(m) {
  const k = m.k;
  try {
    const r = await api("POST", `/v1/organizations/${ORG}/databases/${m.family}/migrations`,
      { sql: m.sql, wait: m.killed ? 0 : 25 });
    m.httpStatus = r.status;
    m.jobId = r.body?.job_id;
    if (r.status !== 200 && r.status !== 202) {
      m.status = `HTTP ${r.status}`;
      m.error = JSON.stringify(r.body).slice(0, 300);
      m.tEnd = now();
      log(`migration #${k} (${m.kind}) on ${m.family} refused: ${m.status} ${m.error}`);
      return;
    }
    if (m.killed) {
      await killWhenApplying(m);
      await killAndRestart(m);
    } else {
      const job = await awaitJob(m.family, m.jobId, r.body);
      m.status = job.status;
      m.error = job.error;
      m.tEnd = now();
    }
    log(`migration #${k} (${m.kind}) on ${m.family}: ${m.status} after ${((m.tEnd - m.tPost) / 1000).toFixed(1)} s`
      + (m.error ? ` (${String(m.error).slice(0, 120)})` : ""));
  } catch (e) {
    m.status = `error ${errorCode(e)}`;
    m.error = String(e.message ?? e).slice(0, 300);
    m.tEnd = now();
    log(`migration #${k} failed to run: ${m.error}`);
  }
}

async function awaitJob(family, id, first, limitMs = RECOVERY_LIMIT_MS) {
  let job = first;
  const deadline = now() + limitMs;
  while (!ENDED.has(job?.status) && now() < deadline) {
    await delay(100); // nothing to wait on but the job: poll
    const r = await api("GET", `/v1/organizations/${ORG}/databases/${family}/migrations/${id}`);
    if (r.status === 200) job = r.body;
  }
  return job;
}

/** Waits until the job applies to the children (or has ended, or KILL_WITHIN_MS passed): the kill lands there. */
async function killWhenApplying(m) {
  const until = now() + KILL_WITHIN_MS;
  while (now() < until) {
    const r = await api("GET", `/v1/organizations/${ORG}/databases/${m.family}/migrations/${m.jobId}`);
    // At once: with 50 children the apply may take well under a second (some children applied, others not yet).
    if (r.body?.status === "applying" || ENDED.has(r.body?.status)) return;
    await delay(20);
  }
}

/** The kill: SIGKILL to the runtime's process group mid-migration, start again, then wait for the family. */
async function killAndRestart(m) {
  const job = await api("GET", `/v1/organizations/${ORG}/databases/${m.family}/migrations/${m.jobId}`);
  m.statusAtKill = job.body?.status;
  const tKill = now();
  log(`SIGKILL to the runtime's process group (job ${m.jobId} is ${m.statusAtKill})`);
  await runtime.kill();
  const tDead = now();
  await runtime.start();
  const tListening = now();
  events.push({ what: "kill", tKill, tDead, tListening });
  log(`runtime serving again ${((tListening - tKill) / 1000).toFixed(1)} s after the kill`);
  await awaitWritable(m.family, childName(m.family === FAMILIES.a ? "a" : "b", 0), m);
}

/**
 * Polls the killed job and writes to a child of its family; if the family is still blocked UNLOCK_AFTER_MS after
 * the restart, asks for an unlock every 5 s; records when the job ended, when an unlock was accepted, and when a
 * write to a child of the family succeeded again.
 */
async function awaitWritable(family, child, m) {
  const probe = createClient({ url: `${base}/db/${child}/`, authToken: token });
  const start = now();
  let lastUnlock = -Infinity;
  try {
    while (now() - start < RECOVERY_LIMIT_MS) {
      if (m?.jobId && !m.tJobEnded) {
        const r = await api("GET", `/v1/organizations/${ORG}/databases/${family}/migrations/${m.jobId}`);
        if (ENDED.has(r.body?.status)) {
          m.tJobEnded = now();
          m.status = r.body.status;
          m.error = r.body.error;
        }
      }
      try {
        // guard's x values must stay unique outside DRY_RUN_FAILS_ON: a fresh negative number each time
        await probe.execute({ sql: "INSERT INTO guard(x) VALUES (?)", args: [-(++probes)] });
        if (m) {
          m.tWritable = now();
          m.tEnd = m.tWritable;
          if (m.jobId && !m.tJobEnded) {
            // It may have ended between the last look and this write: look again (bounded) for its status.
            const job = await awaitJob(family, m.jobId, null, 60_000);
            if (ENDED.has(job?.status)) {
              m.tJobEnded = now();
              m.status = job.status;
              m.error = job.error;
            } else {
              m.status = `${job?.status ?? "unknown"} (family writable, job not ended 60 s later)`;
            }
          }
        }
        return;
      } catch (e) {
        if (errorCode(e) !== "BLOCKED") throw e;
      }
      // An operator's unlock, every 5 s, only once the runtime had UNLOCK_AFTER_MS to end the job by itself.
      if (now() - start >= UNLOCK_AFTER_MS && now() - lastUnlock >= 5000) {
        lastUnlock = now();
        const u = await api("POST", `/v1/organizations/${ORG}/databases/${family}/migrations/unlock`, {});
        if (m) (m.unlocks ??= []).push({ t: lastUnlock, status: u.status });
        if (u.status === 200 && u.body?.released && m && !m.tUnlocked) {
          m.tUnlocked = now();
          m.status = u.body.released.status;
          log(`unlock accepted ${((m.tUnlocked - m.tPost) / 1000).toFixed(0)} s after the job started: ${m.status}`);
        }
      }
      await delay(500);
    }
    throw new Error(`${family} still blocked ${RECOVERY_LIMIT_MS / 1000} s later`);
  } finally {
    probe.close();
  }
}

async function restartDynaliteAt(at) {
  await delay(Math.max(0, at - now()));
  const old = runtime.dynalite();
  if (!old) {
    events.push({ what: "dynalite", error: "no dynalite child found" });
    log("no dynalite child of the runtime found: not restarted");
    return;
  }
  const tKill = now();
  process.kill(old.pid, "SIGKILL");
  log(`SIGKILL to dynalite (pid ${old.pid}, port ${old.port})`);
  // Back once a new dynalite process (the runtime's supervisor starts it) accepts connections on the same port.
  let next = null;
  while (now() - tKill < 60_000) {
    next = runtime.dynalite();
    if (next && next.pid !== old.pid && await accepts(next.port)) break;
    await delay(50);
  }
  events.push({ what: "dynalite", tKill, tBack: now(), oldPid: old.pid, newPid: next?.pid });
  log(`dynalite accepting again (pid ${next?.pid}) ${((now() - tKill) / 1000).toFixed(1)} s after the kill`);
}

function accepts(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
  });
}

/**
 * The CPU the runtime (JVM + emulators) and the load (this Node process) used, sampled every second: on a shared
 * machine the throughput says little without the share of the CPUs the runtime actually got.
 */
function sampleCpu() {
  let runtimeSeconds = 0;
  let last = runtime.cpuSeconds();
  const loadStart = process.cpuUsage();
  const loadAvg = [];
  const timer = setInterval(() => {
    const c = runtime.cpuSeconds();
    if (c !== null && last !== null && c >= last) runtimeSeconds += c - last;
    last = c; // after a restart the new JVM counts from 0
    loadAvg.push(os.loadavg()[0]);
  }, 1000);
  return {
    stop: () => clearInterval(timer),
    result: (loadEndMs) => {
      const u = process.cpuUsage(loadStart);
      return { runtimeCores: runtimeSeconds / (loadEndMs / 1000), clientCores: (u.user + u.system) / 1e6 / (loadEndMs / 1000),
        loadAverageMean: loadAvg.reduce((a, x) => a + x, 0) / Math.max(1, loadAvg.length) };
    },
  };
}

// ---------------------------------------------------------------------------------------------- verification
async function verify(databases) {
  const present = new Map(); // uid -> count over every database (a uid is written to exactly one)
  const where = new Map();
  const schemas = {};
  await pool(databases.map((n, i) => [n, i]), 4, async ([name, i]) => {
    const c = createClient({ url: `${base}/db/${name}/`, authToken: token });
    try {
      const rows = (await c.execute("SELECT uid, count(*) AS n FROM items GROUP BY uid")).rows;
      for (const r of rows) {
        present.set(r.uid, (present.get(r.uid) ?? 0) + Number(r.n));
        where.set(r.uid, i);
      }
      const shape = (await c.execute(`SELECT type || ' ' || name AS o FROM sqlite_schema
        WHERE name NOT LIKE 'sqlite_%' AND name <> '_multidb_schema' ORDER BY name`)).rows.map((r) => r.o);
      const cols = (await c.execute("SELECT name FROM pragma_table_info('items') ORDER BY cid")).rows.map((r) => r.name);
      const fileVersion = await fileVersionOf(c);
      schemas[name] = { shape: [...shape, `items(${cols.join(",")})`].join("; "), fileVersion };
    } finally {
      c.close();
    }
  });
  const writes = { ack: 0, lost: 0, duplicated: 0, wrongDb: 0, rejected: 0, rejectedPresent: 0, unknown: 0,
    unknownPresent: 0, unexpectedRows: 0, lostSamples: [] };
  for (const [uid, w] of load.writes) {
    const n = present.get(uid) ?? 0;
    if (n > 1) writes.duplicated++;
    if (n > 0 && where.get(uid) !== w.db) writes.wrongDb++;
    if (w.state === "ack") {
      writes.ack++;
      if (n === 0) {
        writes.lost++;
        if (writes.lostSamples.length < 10) writes.lostSamples.push({ uid, db: databases[w.db] });
      }
    } else if (w.state === "rejected") {
      writes.rejected++;
      if (n > 0) writes.rejectedPresent++;
    } else {
      writes.unknown++;
      if (n > 0) writes.unknownPresent++;
    }
  }
  for (const uid of present.keys()) if (!load.writes.has(uid)) writes.unexpectedRows++;

  const families = {};
  for (const [key, parent] of Object.entries(FAMILIES)) {
    const list = await api("GET", `/v1/organizations/${ORG}/databases?schema=${parent}`);
    const p = await api("GET", `/v1/organizations/${ORG}/databases/${parent}`);
    const migs = await api("GET", `/v1/organizations/${ORG}/databases/${parent}/migrations`);
    const catalog = { [parent]: p.body?.database?.schema_version };
    for (const d of list.body?.databases ?? []) catalog[d.name ?? d.Name] = d.schema_version;
    const members = databases.filter((n) => familyOfChild(n) === key);
    const pc = createClient({ url: `${base}/db/${parent}/`, authToken: token });
    let parentShape;
    let parentFileVersion;
    try {
      const shape = (await pc.execute(`SELECT type || ' ' || name AS o FROM sqlite_schema
        WHERE name NOT LIKE 'sqlite_%' AND name <> '_multidb_schema' ORDER BY name`)).rows.map((r) => r.o);
      const cols = (await pc.execute("SELECT name FROM pragma_table_info('items') ORDER BY cid")).rows.map((r) => r.name);
      parentShape = [...shape, `items(${cols.join(",")})`].join("; ");
      parentFileVersion = await fileVersionOf(pc);
    } finally {
      pc.close();
    }
    const shapes = new Set([parentShape, ...members.map((n) => schemas[n].shape)]);
    const fileVersions = new Set([parentFileVersion, ...members.map((n) => schemas[n].fileVersion)]);
    const catalogVersions = new Set(Object.values(catalog));
    families[parent] = {
      children: members.length,
      catalogVersions: [...catalogVersions],
      parentCatalogVersion: catalog[parent],
      fileVersions: [...fileVersions],
      distinctSchemas: shapes.size,
      migrationsVersion: migs.body?.schema_version,
      jobs: (migs.body?.migrations ?? []).map((j) => ({ id: j.job_id, status: j.status })),
      oneVersion: shapes.size === 1 && catalogVersions.size === 1 && fileVersions.size === 1
        && [...fileVersions][0] === [...catalogVersions][0],
      schema: parentShape,
    };
  }
  return { writes, families };
}

/** The version the file itself records (the migration engine's _multidb_schema table; absent: 0). */
async function fileVersionOf(c) {
  try {
    return Number((await c.execute("SELECT coalesce(max(version), 0) AS v FROM _multidb_schema")).rows[0].v);
  } catch (e) {
    return /no such table/.test(e.message) ? 0 : `unreadable: ${e.message.slice(0, 80)}`;
  }
}

// --------------------------------------------------------------------------------------------------- helpers
async function api(method, p, body) {
  const res = await fetch(`${base}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed };
}

async function pool(items, n, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/** A small deterministic generator (mulberry32): the same op mix in every run. */
function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) throw new Error(`unknown argument ${argv[i]}`);
    out[m[1]] = m[2] ?? argv[++i];
  }
  return out;
}
