// How fast the console's pages load over a family of many children (issue 14: a page over 10,000 children in
// under a second on the local runtime). Run by bin/bench-console, which starts a local runtime and passes
// MULTIDB_URL, MULTIDB_TOKEN, MULTIDB_ORG; CHILDREN (default 10000) sets the family's size.
//
// Creates the family through the API (8 creates at a time), migrates it once (so the job page has a task per
// child), then loads in headless Chromium, RUNS times each with a cold page (new tab, assets fetched again):
//   the schema database page until its first 50 children and its migrations are on screen;
//   the job page until its summary (counts over every child), workflow diagram and first 50 databases are on screen.
// Prints medians and every sample, and the API's own latencies for the requests those pages make.
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import puppeteer from "puppeteer-core";

const base = process.env.MULTIDB_URL;
const token = process.env.MULTIDB_TOKEN;
const org = process.env.MULTIDB_ORG ?? "local";
const CHILDREN = Number(process.env.CHILDREN ?? 10000);
const RUNS = Number(process.env.RUNS ?? 7);
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
assert.ok(base && token, "MULTIDB_URL and MULTIDB_TOKEN must be set");
const group = "bench";
const parent = "fleet";

async function http(method, p, body) {
  const res = await fetch(`${base}${p}`, { method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs) => `median ${median(xs).toFixed(0)} ms (samples: ${xs.map((x) => x.toFixed(0)).join(", ")})`;

async function setUp() {
  const existing = await http("GET", `/v1/organizations/${org}/databases?type=schema&search=${parent}&limit=1`);
  const have = existing.databases.find((d) => d.Name === parent);
  if (!have) {
    await http("POST", `/v1/organizations/${org}/groups`, { name: group, location: "eu-west-1" });
    await http("POST", `/v1/organizations/${org}/databases`, { name: parent, group, is_schema: true });
    await http("POST", `/db/${parent}/v2/pipeline`, { requests: [
      { type: "execute", stmt: { sql: "CREATE TABLE orders(id INTEGER PRIMARY KEY, customer TEXT, total REAL)" } }, { type: "close" }] });
  }
  const count = have ? have.children_count : 0;
  const names = [];
  for (let i = Math.max(0, count - 100); i < CHILDREN; i++) names.push(`tenant-${String(i).padStart(6, "0")}`);
  const t0 = performance.now();
  let done = 0;
  const failures = [];
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (names.length) {
      const name = names.shift();
      // A create that fails is retried (it undoes itself), and counted: concurrent creates of one family have
      // been seen to fail with SQLITE_BUSY under heavy machine load.
      for (let attempt = 1; ; attempt++) {
        try {
          await http("POST", `/v1/organizations/${org}/databases`, { name, group, schema: parent });
          break;
        } catch (e) {
          if (e.message.includes(": 409 ")) { done--; break; } // created by an earlier, interrupted run
          failures.push(e.message.slice(0, 160));
          if (attempt === 3) throw e;
        }
      }
      if (++done % 1000 === 0) console.error(`  created ${done} children (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  }));
  if (done) console.error(`created ${done} children in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (failures.length) console.error(`${failures.length} creates failed and were retried; first: ${failures[0]}`);
  let jobs = (await http("GET", `/db/${parent}/v1/jobs`)).migrations;
  if (!jobs.some((j) => j.status === "succeeded")) {
    const t1 = performance.now();
    const job = await http("POST", `/v1/organizations/${org}/databases/${parent}/migrations`,
      { sql: "ALTER TABLE orders ADD COLUMN currency TEXT DEFAULT 'EUR'", max_concurrency: 10 });
    for (;;) {
      const s = await http("GET", `/db/${parent}/v1/jobs/${job.job_id}/summary`);
      if (!["pending", "dry_running", "applying", "rolling_back"].includes(s.status)) {
        assert.equal(s.status, "succeeded", s.error);
        break;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    console.error(`migrated ${CHILDREN} children in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    jobs = (await http("GET", `/db/${parent}/v1/jobs`)).migrations;
  }
  return jobs.find((j) => j.status === "succeeded").job_id;
}

async function timeApi(path) {
  const xs = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await http("GET", path);
    xs.push(performance.now() - t);
  }
  return xs;
}

const jobId = await setUp();
const summary = await http("GET", `/db/${parent}/v1/jobs/${jobId}/summary`);
assert.ok(summary.children_total >= CHILDREN - 20, `the job covers ${summary.children_total} children`);

const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
try {
  const context = await browser.createBrowserContext();
  const first = await context.newPage();
  await first.goto(`${base}/console/`);
  await first.evaluate((t) => sessionStorage.setItem("multidb.console.token", t), token);
  async function load(hash, ready) {
    const xs = [];
    for (let i = 0; i < RUNS; i++) {
      const page = await context.newPage();
      await page.setCacheEnabled(false);
      // Session storage is per tab: the new tab gets the token the way a signed-in tab has it.
      await page.evaluateOnNewDocument((t) => sessionStorage.setItem("multidb.console.token", t), token);
      const t = performance.now();
      await page.goto(`${base}/console/${hash}`);
      await page.waitForFunction(ready, { polling: "raf", timeout: 30_000 });
      xs.push(performance.now() - t);
      await page.close();
    }
    return xs;
  }
  const dbPage = await load(`#/db/${parent}`, () =>
    document.querySelectorAll('[data-table="children"] tbody tr td a').length === 50
      && document.querySelectorAll("#jobs-h + div tbody tr").length >= 1);
  const jobPage = await load(`#/db/${parent}/jobs/${jobId}`, () =>
    document.querySelector("#percent")?.textContent === "100%"
      && document.querySelector(".diagram svg") !== null
      && document.querySelectorAll('[data-table="databases"] tbody tr .badge.applied').length === 50);
  const children = await timeApi(`/v1/organizations/${org}/databases?schema=${parent}&limit=50`);
  const summaries = await timeApi(`/db/${parent}/v1/jobs/${jobId}/summary`);
  const tasks = await timeApi(`/db/${parent}/v1/jobs/${jobId}/databases?limit=50`);
  console.log(`console page loads over a family of ${summary.children_total.toLocaleString("en-US")} children (${RUNS} cold loads each):`);
  console.log(`  schema database page (first 50 children + migrations): ${fmt(dbPage)}`);
  console.log(`  job page (summary over every child, diagram, first 50 databases): ${fmt(jobPage)}`);
  console.log(`API latencies:`);
  console.log(`  GET .../databases?schema=${parent}&limit=50: ${fmt(children)}`);
  console.log(`  GET /db/${parent}/v1/jobs/{id}/summary: ${fmt(summaries)}`);
  console.log(`  GET /db/${parent}/v1/jobs/{id}/databases?limit=50: ${fmt(tasks)}`);
} finally {
  await browser.close();
}
