// End-to-end: the web console at /console in headless Chromium (Debian's chromium, driven by puppeteer-core),
// against a running local runtime. Each page is saved under local/target/console-screenshots/ for a person to look
// at. Run by local/'s EndToEndTest (mvn verify), which sets MULTIDB_URL, MULTIDB_TOKEN, MULTIDB_ORG.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";

import { base, token, org, suffix } from "./env.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SHOTS = process.env.CONSOLE_SCREENSHOTS ?? path.join(ROOT, "local", "target", "console-screenshots");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const group = `con-${suffix}`;
const parent = `shop-${suffix}`;
const CHILDREN = 200;

let browser;
/** Errors the page logged (a CSP violation, a failed script): any fails the suite. */
const pageErrors = [];

async function http(method, p, body, authToken = token) {
  const res = await fetch(`${base}${p}`, {
    method,
    headers: { authorization: `Bearer ${authToken}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function ok(method, p, body) {
  const r = await http(method, p, body);
  assert.ok(r.status < 300, `${method} ${p}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

const sql = (name, statements) => ok("POST", `/db/${name}/v2/pipeline`, {
  requests: [...statements.map((s) => ({ type: "execute", stmt: { sql: s } })), { type: "close" }],
});

/** Runs fn over items, n at a time. */
async function pool(items, n, fn) {
  const queue = [...items];
  await Promise.all(Array.from({ length: n }, async () => {
    while (queue.length) await fn(queue.shift());
  }));
}

async function newPage() {
  const context = await browser.createBrowserContext(); // its own session storage
  const page = await context.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") pageErrors.push(m.text()); });
  return page;
}

async function signIn(page, withToken) {
  await page.goto(`${base}/console`, { waitUntil: "networkidle0" });
  await page.waitForSelector("#token");
  await page.type("#token", withToken);
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelector("#who")?.textContent.includes("Signed in"));
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

const text = (page, selector) => page.$eval(selector, (e) => e.textContent);

async function openJobFromForm(page, migrationSql) {
  await page.waitForSelector("#sql");
  await page.$eval("#sql", (e) => { e.value = ""; });
  await page.type("#sql", migrationSql);
  await Promise.all([
    page.waitForFunction(() => location.hash.includes("/jobs/")),
    page.click("form[aria-labelledby=start-h] button[type=submit]"),
  ]);
}

async function waitForStatus(page, statuses, timeout = 60_000) {
  await page.waitForFunction((wanted) => {
    const b = document.querySelector("h1 .badge");
    return b && wanted.includes(b.textContent);
  }, { timeout, polling: 100 }, statuses);
}

before(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  await ok("POST", `/v1/organizations/${org}/groups`, { name: group, location: "eu-west-1" });
  await ok("POST", `/v1/organizations/${org}/databases`, { name: parent, group, is_schema: true });
  await sql(parent, ["CREATE TABLE orders(id INTEGER PRIMARY KEY, customer TEXT, total REAL)"]);
  await ok("POST", `/v1/organizations/${org}/databases`, { name: `ledger-${suffix}`, group });
  const names = Array.from({ length: CHILDREN }, (_, i) => `t${String(i).padStart(3, "0")}-${suffix}`);
  await pool(names, 8, (name) => ok("POST", `/v1/organizations/${org}/databases`, { name, group, schema: parent }));
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
});

after(async () => {
  await browser?.close();
});

test("sign in, see the family, migrate 200 children and watch it reach 100% and succeeded", async () => {
  const page = await newPage();
  await page.goto(`${base}/console/`, { waitUntil: "networkidle0" });
  await shot(page, "01-sign-in");
  await signIn(page, token);
  const row = `[data-table="schemas-${group}"] tbody tr`;
  await page.waitForFunction((sel, name) => [...document.querySelectorAll(sel)].some((r) => r.textContent.includes(name)),
    {}, row, parent);
  const cells = await page.$$eval(row, (rows, name) =>
    [...rows.find((r) => r.textContent.includes(name)).querySelectorAll("td")].map((td) => td.textContent), parent);
  assert.equal(cells[1], "200", `children count in ${JSON.stringify(cells)}`);
  assert.ok((await text(page, "main")).includes(`ledger-${suffix}`), "the standalone database is listed");
  await shot(page, "02-databases");

  // The family: a page of 50 children, the next page, a search.
  await page.click(`a[href="#/db/${parent}"]`);
  await page.waitForSelector('[data-table="children"] tbody tr td a');
  assert.equal((await page.$$('[data-table="children"] tbody tr')).length, 50);
  await page.click('[data-table="children"] .pager button:nth-of-type(2)');
  await page.waitForFunction(() => document.querySelector('[data-table="children"] tbody tr td a')?.textContent.startsWith("t050"));
  await page.type("#child-search", "t19");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelectorAll('[data-table="children"] tbody tr').length === 10);
  await shot(page, "03-schema-database");

  await openJobFromForm(page, "ALTER TABLE orders ADD COLUMN currency TEXT DEFAULT 'EUR';\nCREATE INDEX orders_customer ON orders(customer);");
  await page.waitForSelector("[role=progressbar]");
  await shot(page, "04-job-running");
  await waitForStatus(page, ["succeeded", "failed", "rolled back"]);
  assert.equal(await text(page, "h1 .badge"), "succeeded");
  await page.waitForFunction(() => document.querySelector("#percent")?.textContent === "100%");
  assert.equal(await page.$eval("[role=progressbar]", (e) => e.getAttribute("aria-valuenow")), "100");
  const phases = await text(page, ".phases");
  assert.ok(phases.includes("200 / 200children applied"), phases);
  assert.equal(await page.$eval(".diagram [aria-current=step]", (e) => e.dataset.state), "Migration succeeded");
  await page.waitForFunction(() => document.querySelectorAll('[data-table="databases"] tbody tr .badge.applied').length >= 50);
  await shot(page, "05-job-succeeded");
  // The README's picture (docs/console.png): the top of the page, header to diagram.
  await page.screenshot({ path: path.join(SHOTS, "console-readme.png"), clip: { x: 0, y: 0, width: 1280, height: 1330 } });
  await page.close();
});

test("a migration that a child's data breaks shows that child and SQLite's error first", async () => {
  const broken = `t042-${suffix}`;
  await sql(broken, ["INSERT INTO orders(customer, total) VALUES ('same', 1), ('same', 2)"]);
  const page = await newPage();
  await signIn(page, token);
  await page.goto(`${base}/console/#/db/${parent}`, { waitUntil: "networkidle0" });
  await openJobFromForm(page, "CREATE UNIQUE INDEX orders_one_per_customer ON orders(customer)");
  await waitForStatus(page, ["failed", "rolled back"]);
  await page.waitForSelector('[data-table="failed"] tbody tr td a');
  const failed = await page.$$eval('[data-table="failed"] tbody tr', (rows) => rows.map((r) => r.textContent));
  assert.equal(failed.length, 1, JSON.stringify(failed));
  assert.ok(failed[0].includes(broken), failed[0]);
  assert.match(failed[0], /UNIQUE constraint failed: orders\.customer/);
  // The failures come before the table of every database, and the page offers a retry.
  const order = await page.evaluate(() => {
    const f = document.querySelector('[data-table="failed"]'), all = document.querySelector('[data-table="databases"]');
    return f.compareDocumentPosition(all) & Node.DOCUMENT_POSITION_FOLLOWING;
  });
  assert.ok(order, "failed databases are listed first");
  assert.ok((await page.$$eval(".actions button", (b) => b.map((x) => x.textContent))).includes("Retry"));
  const current = await page.$eval(".diagram [aria-current=step]", (e) => e.dataset.state);
  assert.equal(current, "Migration did not succeed");
  await shot(page, "06-job-failed");
  await page.close();
});

test("a read-only group token sees the family but no actions, and the API refuses them anyway", async () => {
  const jwt = (await ok("POST", `/v1/organizations/${org}/groups/${group}/auth/tokens?authorization=read-only`)).jwt;
  const jobs = (await ok("GET", `/db/${parent}/v1/jobs`)).migrations;
  const failedJob = jobs.find((j) => j.status === "failed");
  assert.ok(failedJob, JSON.stringify(jobs.map((j) => j.status)));
  const page = await newPage();
  await signIn(page, jwt);
  assert.ok((await text(page, "#who")).includes(`group ${group} (read-only)`));
  await page.waitForSelector(`a[href="#/db/${parent}"]`);
  // Only this token's group: no other group's section.
  assert.equal((await page.$$("main section.card h2")).length, 1);
  await page.click(`a[href="#/db/${parent}"]`);
  await page.waitForSelector("#jobs-h");
  await page.waitForFunction(() => document.querySelectorAll("#jobs-h + div tbody tr").length >= 2);
  assert.equal(await page.$("#sql"), null, "no migration form");
  const buttons = await page.$$eval("main button", (b) => b.map((x) => x.textContent));
  assert.ok(!buttons.some((b) => /Start migration|Unlock|Retry|Abort/.test(b)), JSON.stringify(buttons));
  await shot(page, "07-read-only-schema-database");
  await page.goto(`${base}/console/#/db/${parent}/jobs/${failedJob.job_id}`, { waitUntil: "networkidle0" });
  await waitForStatus(page, ["failed"]);
  const jobButtons = await page.$$eval("main button", (b) => b.map((x) => x.textContent));
  assert.ok(!jobButtons.some((b) => /Retry|Abort/.test(b)), JSON.stringify(jobButtons));
  await shot(page, "08-read-only-job");
  await page.close();

  const retry = await http("POST", `/v1/organizations/${org}/databases/${parent}/migrations/${failedJob.job_id}/retry`, undefined, jwt);
  assert.equal(retry.status, 403, JSON.stringify(retry.body));
  const start = await http("POST", `/v1/organizations/${org}/databases/${parent}/migrations`, { sql: "DROP TABLE orders" }, jwt);
  assert.equal(start.status, 403, JSON.stringify(start.body));
  // Another group's databases stay out of its list.
  const other = await http("GET", `/console/api/databases?group=default-${suffix}`, undefined, jwt);
  assert.equal(other.status, 403, JSON.stringify(other.body));
});

test("a job paused after its canary shows Resume next to Abort, and Resume finishes it", async () => {
  const page = await newPage();
  await signIn(page, token);
  await page.goto(`${base}/console/#/db/${parent}`, { waitUntil: "networkidle0" });
  await page.waitForSelector("#canary");
  await page.type("#canary", "3");
  await page.type("#verify", "SELECT count(*) >= 0 FROM orders WHERE note IS NULL");
  await page.click("#pause");
  await shot(page, "09-migration-form-canary");
  await openJobFromForm(page, "ALTER TABLE orders ADD COLUMN note TEXT");
  await waitForStatus(page, ["paused", "failed", "rolled back"], 120_000);
  assert.equal(await text(page, "h1 .badge"), "paused");
  assert.deepEqual(await page.$$eval(".actions button", (b) => b.map((x) => x.textContent)), ["Resume", "Abort"]);
  const canary = await text(page, "section.canary");
  assert.ok(canary.includes("the first 3 children by name") && canary.includes("WHERE note IS NULL"), canary);
  assert.ok((await text(page, ".paused-box")).includes("write-blocked"));
  await page.waitForFunction(() => document.querySelector(".phases")?.textContent.includes("3 / 200children applied"));
  // The diagram: the job waits in the polling loop; the little states on the way there count as passed.
  assert.equal(await page.$eval(".diagram [aria-current=step]", (e) => e.dataset.state), "Look for a resume or an abort");
  const passed = await page.$$eval(".diagram .node.visited", (n) => n.map((e) => e.dataset.state));
  for (const s of ["Is there a canary?", "Apply to the canary children", "Pause after the canary?", "Paused after the canary"]) {
    assert.ok(passed.includes(s), `${s} in ${JSON.stringify(passed)}`);
  }
  assert.ok(await page.$('.diagram [data-state="Wait before looking again"]'), "the polling loop is drawn");
  await shot(page, "10-job-paused");
  await (await page.$(".diagram")).screenshot({ path: path.join(SHOTS, "10-job-paused-diagram.png") });
  // docs/console-paused.png: the top of the page, header to the diagram's paused loop.
  const loop = await page.$eval('.diagram [data-state="Apply to the children"]', (e) => e.getBoundingClientRect().bottom + window.scrollY);
  await page.screenshot({ path: path.join(SHOTS, "console-paused.png"), clip: { x: 0, y: 0, width: 1280, height: Math.ceil(loop + 30) } });

  await page.click(".actions button:first-child");
  await waitForStatus(page, ["succeeded", "failed", "rolled back"], 120_000);
  assert.equal(await text(page, "h1 .badge"), "succeeded");
  assert.ok((await text(page, "section.canary")).includes("yes (resumed)"));
  assert.equal(await page.$eval(".diagram [aria-current=step]", (e) => e.dataset.state), "Migration succeeded");
  await shot(page, "11-job-resumed");
  await page.close();
});

test("a quarantined child shows its behind badge, and Repair behind children brings it forward", async () => {
  const broken = `t042-${suffix}`; // still holds two orders of one customer (the failed migration above)
  const page = await newPage();
  await signIn(page, token);
  await page.goto(`${base}/console/#/db/${parent}`, { waitUntil: "networkidle0" });
  await page.waitForSelector("#policy");
  await page.select("#policy", "quarantine");
  await openJobFromForm(page, "CREATE UNIQUE INDEX orders_one_per_customer ON orders(customer)");
  await waitForStatus(page, ["succeeded with quarantine", "succeeded", "failed", "rolled back"], 120_000);
  assert.equal(await text(page, "h1 .badge"), "succeeded with quarantine");
  await page.waitForSelector(".warn-box li");
  const warning = await text(page, ".warn-box");
  assert.ok(warning.includes("1 child left behind") && warning.includes(broken), warning);
  assert.match(warning, /UNIQUE constraint failed: orders\.customer/);
  assert.ok((await page.$$eval(".actions button", (b) => b.map((x) => x.textContent))).includes("Retry behind children"));
  assert.equal(await page.$eval(".diagram [aria-current=step]", (e) => e.dataset.state), "Migration succeeded");
  assert.ok(await page.$("[role=progressbar].done"), "shown as a success");
  await shot(page, "12-job-quarantined");

  // The family page marks the child behind; the badge opens to SQLite's error.
  await page.goto(`${base}/console/#/db/${parent}`, { waitUntil: "networkidle0" });
  await page.waitForSelector("#child-search");
  await page.type("#child-search", "t04");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelectorAll('[data-table="children"] tbody tr').length === 10);
  const row = `[data-table="children"] tbody tr:nth-child(3)`;
  assert.ok((await text(page, `${row} td:first-child`)).startsWith("t042"));
  assert.equal(await text(page, `${row} .badge.behind`), "behind");
  assert.match(await page.$eval(`${row} summary`, (e) => e.title), /UNIQUE constraint failed/);
  assert.equal((await page.$$('[data-table="children"] .badge.behind')).length, 1, "only the failed child is behind");
  await page.click(`${row} summary`);
  assert.match(await text(page, `${row} details .err`), /UNIQUE constraint failed/);
  await shot(page, "13-behind-child");

  // Fix its data, then repair: a repair job, followed on its page, brings it to the parent's version.
  await sql(broken, ["DELETE FROM orders WHERE id = (SELECT max(id) FROM orders WHERE customer = 'same')"]);
  await Promise.all([page.waitForFunction(() => location.hash.includes("/jobs/")), page.click("#repair-behind")]);
  await waitForStatus(page, ["succeeded", "succeeded with quarantine", "failed", "rolled back"], 120_000);
  assert.equal(await text(page, "h1 .badge"), "succeeded");
  assert.ok((await text(page, "h1")).startsWith("Repair"));
  assert.ok((await text(page, "section.repair-facts")).includes(broken));
  await shot(page, "14-repair-succeeded");
  const d = (await ok("GET", `/v1/organizations/${org}/databases/${broken}`)).database;
  assert.equal(d.schema_status, "current", JSON.stringify(d));
  await page.close();
});

test("the page logged no errors (no CSP violation, no failed script)", () => {
  assert.deepEqual(pageErrors, []);
});
