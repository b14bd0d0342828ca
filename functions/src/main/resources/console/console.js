// The multidb console: one page, hash routes, plain DOM. Every number on screen comes from the API with the
// signed-in token; the page hides actions the token cannot take, and the API refuses them anyway.
"use strict";
(function () {
  const TOKEN_KEY = "multidb.console.token";
  const POLL_MS = 1000;
  const PAGE = 50;
  const FINAL = new Set(["succeeded", "succeeded_with_quarantine", "failed", "rolled_back", "aborted"]);
  const SUCCEEDED = new Set(["succeeded", "succeeded_with_quarantine"]);
  const main = document.getElementById("main");
  const who = document.getElementById("who");
  let session = null;
  let view = 0; // bumped on every navigation: a poll of an older view stops itself
  let asl = null;

  // ------------------------------------------------------------------ helpers

  function h(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
      else if (k === "class") e.className = v;
      else if (k === "style") e.style.cssText = v; // CSSOM, which the page's CSP allows (style attributes it does not)
      else e.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      e.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
    }
    return e;
  }

  const enc = encodeURIComponent;
  const link = (href, text) => h("a", { href }, text);
  const badge = (s) => h("span", { class: `badge ${s}` }, s.replace(/_/g, " "));
  const num = (n) => (n === undefined || n === null ? "—" : Number(n).toLocaleString("en-US"));

  function size(bytes) {
    if (bytes === undefined || bytes === null || bytes < 0) return "—";
    const units = ["B", "KiB", "MiB", "GiB"];
    let v = bytes, u = 0;
    while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
    return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
  }

  function when(iso) {
    if (!iso) return "—";
    const d = new Date(iso);
    return d.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "medium" });
  }

  function duration(from, to) {
    if (!from) return "—";
    const ms = (to ? new Date(to) : new Date()) - new Date(from);
    if (ms < 1000) return `${ms} ms`;
    const s = ms / 1000;
    if (s < 60) return `${s.toFixed(1)} s`;
    return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  }

  function toast(text) {
    const t = document.getElementById("toast");
    t.textContent = text;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => (t.textContent = ""), 6000);
  }

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(path, options = {}) {
    const headers = { authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY)}` };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(path, { method: options.method || "GET", headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    const text = await res.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch { body = null; }
    if (!res.ok) {
      if (res.status === 401 && !options.quiet) signOut("Your token was refused: " + (body && body.error || res.status));
      throw new ApiError(res.status, (body && (body.error || body.message)) || `HTTP ${res.status}`);
    }
    return body;
  }

  const control = (path) => `/v1/organizations/${enc(session.org)}${path}`;
  const jobsPath = (db, rest = "") => `/db/${enc(db)}/v1/jobs${rest}`;

  /** The paged list: the Platform API route for the admin token, the console's route for a group token. */
  function listDatabases(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
    if (!q.has("limit")) q.set("limit", PAGE);
    const base = session.kind === "admin" ? control("/databases") : "/console/api/databases";
    return api(`${base}?${q}`);
  }

  async function getDatabase(name) {
    const page = await listDatabases({ search: name, limit: 1 });
    const d = page.databases[0];
    if (!d || d.Name !== name) throw new ApiError(404, `database '${name}' does not exist or this token cannot see it`);
    return d;
  }

  function errorBox(e) {
    return h("div", { class: "error-box", role: "alert" }, e.message || String(e));
  }

  // ------------------------------------------------------------------ paged tables

  /**
   * A table over a cursor-paged source: fetch(cursor) → {rows, next}. Keeps the cursors of earlier pages for
   * "Previous"; reload() refetches the current page (used while a job runs).
   */
  function pagedTable({ caption, columns, fetch, empty, label }) {
    const cursors = [null];
    let index = 0;
    const body = h("tbody");
    const status = h("span", { "aria-live": "polite" });
    const prev = h("button", { class: "secondary", type: "button", onclick: () => { index--; load(); } }, "Previous");
    const next = h("button", { class: "secondary", type: "button", onclick: () => { index++; load(); } }, "Next");
    const table = h("table", {},
      h("caption", { class: "sr-only" }, caption),
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.num ? "num" : "" }, c.title)))),
      body);
    const box = h("div", { "data-table": label || caption }, table, h("div", { class: "pager" }, prev, next, status));
    let loading = 0;
    async function load() {
      const mine = ++loading;
      try {
        let page = await fetch(cursors[index]);
        // The API bounds what one request reads: a filtered page can come back empty with more to read.
        for (let hops = 0; !page.rows.length && page.next && hops < 20 && mine === loading; hops++) {
          status.textContent = "Searching…";
          cursors[index] = page.next;
          page = await fetch(page.next);
        }
        if (mine !== loading) return;
        body.replaceChildren();
        for (const row of page.rows) {
          body.appendChild(h("tr", {}, columns.map((c) => h("td", { class: c.cls || (c.num ? "num" : "") }, c.cell(row)))));
        }
        if (!page.rows.length) body.appendChild(h("tr", {}, h("td", { colspan: columns.length, class: "empty" }, empty || "None.")));
        cursors[index + 1] = page.next;
        prev.disabled = index === 0;
        next.disabled = !page.next;
        status.textContent = `Page ${index + 1}` + (page.rows.length ? `, ${page.rows.length} shown` : "");
      } catch (e) {
        if (mine !== loading) return;
        body.replaceChildren(h("tr", {}, h("td", { colspan: columns.length }, errorBox(e))));
      }
    }
    box.reload = load;
    box.restart = () => { cursors.length = 1; index = 0; return load(); };
    load();
    return box;
  }

  // ------------------------------------------------------------------ sign in / out

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    session = null;
    location.hash = "#/";
    renderSignIn(message);
  }

  function renderSignIn(message) {
    view++;
    who.replaceChildren();
    const input = h("input", { id: "token", name: "token", type: "password", autocomplete: "off", required: true,
      "aria-describedby": "token-help" });
    const form = h("form", { class: "card signin", onsubmit: async (ev) => {
      ev.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      try {
        session = await api("/console/api/session", { quiet: true });
        route();
      } catch (e) {
        sessionStorage.removeItem(TOKEN_KEY);
        renderSignIn(e.status === 401 ? `That token was refused: ${e.message}` : e.message);
      }
    } },
    h("h1", {}, "Sign in"),
    h("p", { class: "sub" }, "The console shows what your token may see: the admin token sees every group; a group token its group's databases and migrations."),
    message ? errorBox({ message }) : null,
    h("div", { class: "field" }, h("label", { for: "token" }, "Token"), input,
      h("span", { id: "token-help", class: "note" }, "Kept in this tab's session storage only; closing the tab forgets it.")),
    h("button", { type: "submit" }, "Sign in"));
    main.replaceChildren(form);
    input.focus();
  }

  function renderWho() {
    const what = session.kind === "admin" ? "admin token"
      : session.kind === "group" ? `group ${session.group}` : `database ${session.database}`;
    who.replaceChildren(
      h("span", {}, `Signed in: ${what}${session.read_only ? " (read-only)" : ""} · org ${session.org}`),
      h("button", { type: "button", onclick: () => signOut() }, "Sign out"));
  }

  // ------------------------------------------------------------------ overview

  async function renderOverview() {
    const v = view;
    const search = h("input", { id: "find", type: "search", placeholder: "e.g. acme", autocomplete: "off",
      pattern: "[a-z0-9\\-]*", "aria-describedby": "find-help" });
    const results = h("div");
    const find = h("form", { class: "card", role: "search", onsubmit: (ev) => {
      ev.preventDefault();
      results.replaceChildren(databaseTable({ search: search.value.trim().toLowerCase() }, "Search results", true));
    } },
    h("h2", {}, "Find a database"),
    h("div", { class: "row" },
      h("div", { class: "field" }, h("label", { for: "find" }, "Name starts with"), search),
      h("button", { type: "submit" }, "Search")),
    h("p", { id: "find-help", class: "note" }, "Searches names by prefix, 50 at a time, across everything this token may see."),
    results);
    main.replaceChildren(h("h1", {}, "Databases"),
      h("p", { class: "sub" }, "Groups, schema databases with their children, and standalone databases."), find);
    if (session.kind === "database") {
      main.appendChild(h("div", { class: "card" }, h("p", {}, `This token is for database ${session.database} only; `
        + "the console lists databases for the admin token or a group token."),
        link(`#/db/${enc(session.database)}`, `Open ${session.database}`)));
      return;
    }
    let groups;
    try {
      groups = session.kind === "admin" ? (await api(control("/groups"))).groups.map((g) => g.name) : [session.group];
    } catch (e) {
      main.appendChild(errorBox(e));
      return;
    }
    if (v !== view) return;
    if (!groups.length) {
      main.appendChild(h("div", { class: "card" }, h("p", { class: "empty" },
        "No groups yet. Create one with POST /v1/organizations/{org}/groups (see the README's walk-through).")));
    }
    for (const g of groups) {
      main.appendChild(h("section", { class: "card", "aria-labelledby": `g-${g}` },
        h("h2", { id: `g-${g}` }, `Group ${g}`),
        h("h3", {}, "Schema databases"),
        schemaTable(g),
        h("h3", {}, "Standalone databases"),
        databaseTable({ group: g, type: "standard" }, `Standalone databases of group ${g}`, false)));
    }
  }

  function schemaTable(group) {
    return pagedTable({
      caption: `Schema databases of group ${group}`,
      label: `schemas-${group}`,
      columns: [
        { title: "Name", cell: (d) => link(`#/db/${enc(d.Name)}`, d.Name) },
        { title: "Children", num: true, cell: (d) => num(d.children_count) },
        { title: "Schema version", num: true, cell: (d) => num(d.schema_version) },
        { title: "Size", num: true, cell: (d) => size(d.size_bytes) },
        { title: "Migration", cell: (d) => d.migration_job
          ? link(`#/db/${enc(d.Name)}/jobs/${enc(d.migration_job)}`, "running") : "—" },
      ],
      empty: "No schema databases.",
      fetch: async (cursor) => {
        const p = await listDatabases({ group, type: "schema", cursor });
        return { rows: p.databases, next: p.next_cursor };
      },
    });
  }

  function databaseTable(params, caption, showKind) {
    const columns = [{ title: "Name", cell: (d) => link(`#/db/${enc(d.Name)}`, d.Name) }];
    if (showKind) {
      columns.push({ title: "Kind", cell: (d) => d.kind });
      columns.push({ title: "Group", cell: (d) => d.group });
      columns.push({ title: "Schema database", cell: (d) => d.schema ? link(`#/db/${enc(d.schema)}`, d.schema) : "—" });
    }
    columns.push({ title: "Schema version", num: true, cell: (d) => num(d.schema_version) });
    columns.push({ title: "Size", num: true, cell: (d) => size(d.size_bytes) });
    columns.push({ title: "Created", cell: (d) => when(d.created_at) });
    return pagedTable({ caption, columns, empty: "No databases.", fetch: async (cursor) => {
      const p = await listDatabases({ ...params, cursor });
      return { rows: p.databases, next: p.next_cursor };
    } });
  }

  // ------------------------------------------------------------------ one database

  async function renderDatabase(name) {
    const v = view;
    main.replaceChildren(h("p", { class: "note" }, "Loading…"));
    let d;
    try {
      d = await getDatabase(name);
    } catch (e) {
      main.replaceChildren(crumbs([]), errorBox(e));
      return;
    }
    if (v !== view) return;
    const facts = h("dl", { class: "facts" },
      fact("Kind", d.kind), fact("Group", d.group), fact("Schema version", num(d.schema_version)),
      fact("Size", size(d.size_bytes)), fact("Created", when(d.created_at)),
      d.kind === "child" ? fact("Schema database", link(`#/db/${enc(d.schema)}`, d.schema)) : null,
      d.kind === "schema" ? fact("Children", h("span", { class: "children-count" }, "…")) : null);
    main.replaceChildren(crumbs([[d.Name]]), h("h1", {}, d.Name, " ", badge(d.kind)),
      h("p", { class: "sub mono" }, d.url), h("div", { class: "card" }, facts));
    if (d.kind === "child") {
      try {
        const parent = await getDatabase(d.schema);
        main.appendChild(h("div", { class: "card" }, h("p", {},
          d.schema_version === parent.schema_version
            ? `At the schema version of ${parent.Name} (${parent.schema_version}).`
            : `At schema version ${d.schema_version}; ${parent.Name} is at ${parent.schema_version}.`)));
      } catch (e) { /* the parent's line is a nicety */ }
      if (d.schema_status === "behind" && d.behind) {
        main.appendChild(h("div", { class: "card warn-box", role: "note" },
          h("h2", {}, badge("behind"), " Left behind by a migration"),
          h("p", {}, `Job `, link(`#/db/${enc(d.schema)}/jobs/${enc(d.behind.job_id)}`, d.behind.job_id),
            ` failed here and left it at schema version ${d.behind.schema_version}; it keeps serving on that schema.`),
          h("div", { class: "error-box" }, d.behind.error),
          h("p", { class: "note" }, `Once the cause is fixed, "Repair behind children" on ${d.schema}'s page brings it forward.`)));
      }
    }
    if (d.kind !== "schema") return;
    // Counting the children reads the whole family: the rest of the page does not wait for it.
    listDatabases({ type: "schema", search: d.Name, limit: 1 }).then((p) => {
      const n = p.databases[0] && p.databases[0].Name === d.Name ? num(p.databases[0].children_count) : "—";
      if (v === view) document.querySelectorAll(".children-count").forEach((e) => (e.textContent = n));
    }).catch(() => {});
    // Migrations first (what an operator comes for), then the children, a page at a time.
    const jobs = h("div", {}, h("p", { class: "note" }, "Loading…"));
    main.appendChild(h("section", { class: "card", "aria-labelledby": "jobs-h" }, h("h2", { id: "jobs-h" }, "Migrations"), jobs,
      session.can_manage_migrations ? null : h("p", { class: "note" },
        "Starting, retrying, aborting and unlocking migrations take the admin token.")));
    if (session.can_manage_migrations) main.appendChild(startForm(d));
    const childSearch = h("input", { id: "child-search", type: "search", autocomplete: "off", placeholder: "name prefix" });
    const childBox = h("div", {}, childTable(d.Name, ""));
    const repairOut = h("div", { "aria-live": "polite" });
    const repair = session.can_manage_migrations ? h("div", { class: "row repair" },
      h("button", { type: "button", class: "secondary", id: "repair-behind", onclick: async (ev) => {
        ev.target.disabled = true;
        try {
          const job = await api(control(`/databases/${enc(d.Name)}/drift/repair`), { method: "POST", body: { wait: 0 } });
          location.hash = `#/db/${enc(d.Name)}/jobs/${enc(job.job_id)}`;
        } catch (e) {
          repairOut.replaceChildren(errorBox(e));
          ev.target.disabled = false;
        }
      } }, "Repair behind children"),
      h("span", { class: "note" }, "A repair job replays the migrations they lack on every child marked behind."),
      repairOut) : null;
    main.appendChild(h("section", { class: "card", "aria-labelledby": "children-h" },
      h("h2", { id: "children-h" }, "Children (", h("span", { class: "children-count" }, "…"), ")"),
      repair,
      h("form", { class: "row", role: "search", onsubmit: (ev) => {
        ev.preventDefault();
        childBox.replaceChildren(childTable(d.Name, childSearch.value.trim().toLowerCase()));
      } }, h("div", { class: "field" }, h("label", { for: "child-search" }, "Find a child by name"), childSearch),
      h("button", { type: "submit" }, "Search")),
      childBox));
    try {
      const list = await api(jobsPath(d.Name));
      if (v !== view) return;
      jobs.replaceChildren(jobTable(d.Name, list.migrations));
    } catch (e) {
      jobs.replaceChildren(errorBox(e));
    }
  }

  function fact(term, value) {
    return h("div", {}, h("dt", {}, term), h("dd", {}, value));
  }

  function crumbs(parts) {
    const nav = h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, link("#/", "Databases"));
    for (const [text, href] of parts) {
      nav.appendChild(document.createTextNode(" / "));
      nav.appendChild(href ? link(href, text) : h("span", { "aria-current": "page" }, text));
    }
    return nav;
  }

  /** A child's schema status: "current", or a "behind" badge that opens to the error and the job that left it. */
  function schemaStatus(parent, c) {
    if (c.schema_status !== "behind" || !c.behind) return h("span", { class: "note" }, c.schema_status || "—");
    const b = c.behind;
    return h("details", { class: "behind" },
      h("summary", { title: b.error }, h("span", { class: "badge behind" }, "behind"), ` at v${b.schema_version}`),
      h("div", { class: "err" }, b.error),
      h("div", { class: "note" }, "Left behind by ", link(`#/db/${enc(parent)}/jobs/${enc(b.job_id)}`, `job ${b.job_id.slice(0, 8)}`)));
  }

  function childTable(parent, search) {
    return pagedTable({
      caption: `Children of ${parent}`,
      label: "children",
      columns: [
        { title: "Name", cell: (c) => link(`#/db/${enc(c.Name)}`, c.Name) },
        { title: "Schema version", num: true, cell: (c) => num(c.schema_version) },
        { title: "Schema status", cell: (c) => schemaStatus(parent, c) },
        { title: "Size", num: true, cell: (c) => size(c.size_bytes) },
        { title: "Created", cell: (c) => when(c.created_at) },
      ],
      empty: search ? `No child's name starts with '${search}'.` : "No children yet.",
      fetch: async (cursor) => {
        const p = await listDatabases({ schema: parent, search, cursor });
        return { rows: p.databases, next: p.next_cursor };
      },
    });
  }

  function jobTable(parent, jobs) {
    if (!jobs.length) return h("p", { class: "empty" }, "No migrations yet.");
    return h("table", {},
      h("caption", { class: "sr-only" }, `Migrations of ${parent}`),
      h("thead", {}, h("tr", {}, ["Status", "Versions", "SQL", "Started", "Duration", "Failed"].map((t) =>
        h("th", { scope: "col", class: t === "Failed" ? "num" : "" }, t)))),
      h("tbody", {}, jobs.map((j) => h("tr", {},
        h("td", {}, link(`#/db/${enc(parent)}/jobs/${enc(j.job_id)}`, badge(j.status)),
          j.kind === "repair" ? h("span", {}, " ", badge("repair")) : null),
        h("td", { class: "mono" }, `${j.from_version} → ${j.to_version}`),
        h("td", { class: "sql-cell mono", title: j.sql }, j.sql),
        h("td", {}, when(j.created_at)),
        h("td", {}, duration(j.created_at, j.finished_at)),
        h("td", { class: "num" }, num(j.failed_children.length))))));
  }

  function startForm(d) {
    const sql = h("textarea", { id: "sql", name: "sql", required: true, spellcheck: "false",
      placeholder: "e.g. ALTER TABLE orders ADD COLUMN note TEXT;", "aria-describedby": "sql-help" });
    const conc = h("input", { id: "concurrency", type: "number", min: 1, max: 40, placeholder: "10", inputmode: "numeric" });
    const canary = h("input", { id: "canary", type: "text", autocomplete: "off", placeholder: "e.g. 5, or acme,globex",
      "aria-describedby": "canary-help" });
    const verify = h("input", { id: "verify", type: "text", autocomplete: "off", spellcheck: "false", class: "mono wide",
      placeholder: "e.g. SELECT count(*) > 0 FROM orders", "aria-describedby": "canary-help" });
    const pause = h("input", { id: "pause", type: "checkbox" });
    const policy = h("select", { id: "policy" },
      h("option", { value: "rollback_all" }, "Roll every database back (default)"),
      h("option", { value: "quarantine" }, "Quarantine: leave the failing children behind"));
    const out = h("div", { "aria-live": "polite" });
    const button = h("button", { type: "submit" }, "Start migration");
    const unlock = h("button", { type: "button", class: "secondary", onclick: async () => {
      try {
        const r = await api(control(`/databases/${enc(d.Name)}/migrations/unlock`), { method: "POST" });
        toast(r.released ? `Released the lock of job ${r.released.job_id}.` : "There was no lock to release.");
        route();
      } catch (e) { out.replaceChildren(errorBox(e)); }
    } }, "Unlock");
    return h("form", { class: "card", "aria-labelledby": "start-h", onsubmit: async (ev) => {
      ev.preventDefault();
      button.disabled = true;
      try {
        const body = { sql: sql.value, wait: 0 };
        if (conc.value) body.max_concurrency = Number(conc.value);
        const c = canary.value.trim();
        if (c) body.canary = /^\d+$/.test(c) ? Number(c) : c.split(",").map((x) => x.trim()).filter(Boolean);
        if (verify.value.trim()) body.verify = verify.value.trim();
        if (pause.checked) body.pause_after_canary = true;
        if (policy.value !== "rollback_all") body.on_child_failure = policy.value;
        const job = await api(control(`/databases/${enc(d.Name)}/migrations`), { method: "POST", body });
        location.hash = `#/db/${enc(d.Name)}/jobs/${enc(job.job_id)}`;
      } catch (e) {
        out.replaceChildren(errorBox(e));
      } finally {
        button.disabled = false;
      }
    } },
    h("h2", { id: "start-h" }, "Start a migration"),
    h("div", { class: "field" }, h("label", { for: "sql" }, "Migration SQL"), sql,
      h("span", { id: "sql-help", class: "note" }, `Runs on ${d.Name} and every one of its children, all or nothing: `
        + "first a dry-run on every database's real data (nothing changes if any fails), then the apply.")),
    h("fieldset", { class: "rollout" }, h("legend", {}, "Rollout (optional)"),
      h("div", { class: "row" },
        h("div", { class: "field" }, h("label", { for: "canary" }, "Canary children"), canary),
        h("div", { class: "field grow" }, h("label", { for: "verify" }, "Verify query on each canary child"), verify),
        h("div", { class: "field check" }, h("label", { for: "pause" }, pause, " Pause after the canary"))),
      h("p", { id: "canary-help", class: "note" }, "The canary (a number: the first children by name; or names) is "
        + "migrated before the rest; the verify query must return true on each, else everything rolls back. A pause "
        + "waits for Resume or Abort, the family write-blocked."),
      h("div", { class: "row" },
        h("div", { class: "field" }, h("label", { for: "policy" }, "When a child fails"), policy),
        h("div", { class: "field" }, h("label", { for: "concurrency" }, "Batches at once"), conc))),
    h("div", { class: "row" }, button, unlock),
    out);
  }

  // ------------------------------------------------------------------ one job

  async function renderJob(parent, id) {
    const v = view;
    if (!asl) {
      try { asl = await (await fetch("schema-migration.asl.json")).json(); } catch (e) { asl = null; }
    }
    const head = h("div");
    const progress = h("section", { class: "card", "aria-labelledby": "progress-h" });
    const diagram = h("section", { class: "card diagram", "aria-labelledby": "diagram-h" });
    const failedBox = h("section", { class: "card", "aria-labelledby": "failed-h" });
    const filter = h("select", { id: "status-filter" },
      ["all", "failed", "pending", "dry_run_ok", "dry_run_failed", "applied", "verify_failed", "restored"].map((s) =>
        h("option", { value: s }, s === "all" ? "every status" : s.replace(/_/g, " "))));
    let allTable = taskTable(parent, id, "all", "databases");
    const allBox = h("div", {}, allTable);
    filter.addEventListener("change", () => {
      allTable = taskTable(parent, id, filter.value, "databases");
      allBox.replaceChildren(allTable);
    });
    let failedTable = null;
    main.replaceChildren(crumbs([[parent, `#/db/${enc(parent)}`], [`job ${id.slice(0, 8)}`]]), head, progress, diagram, failedBox,
      h("section", { class: "card", "aria-labelledby": "all-h" }, h("h2", { id: "all-h" }, "Databases of this job"),
        h("div", { class: "row" }, h("div", { class: "field" }, h("label", { for: "status-filter" }, "Show"), filter)),
        allBox));
    let lastStatus = null;
    let lastFailures = 0;
    const tick = async () => {
      if (v !== view) return;
      let s;
      try {
        s = await api(jobsPath(parent, `/${enc(id)}/summary`));
      } catch (e) {
        head.replaceChildren(errorBox(e));
        if (e.status !== 404 && e.status !== 403) setTimeout(tick, POLL_MS * 3);
        return;
      }
      if (v !== view) return;
      drawHead(head, parent, s);
      drawProgress(progress, s);
      drawDiagram(diagram, s);
      const failures = s.children.dry_run_failed + s.children.failed + (s.children.verify_failed || 0)
        + (s.schema_database_status === "dry_run_failed" || s.schema_database_status === "failed" ? 1 : 0);
      if (failures && !failedTable) {
        failedTable = taskTable(parent, id, "failed", "failed");
        failedBox.replaceChildren(h("h2", { id: "failed-h" }, `Failed databases (${num(failures)})`),
          h("p", { class: "note" }, "SQLite's own error for each database the migration failed on."), failedTable);
      } else if (failures) {
        failedBox.querySelector("h2").textContent = `Failed databases (${num(failures)})`;
        if (failures !== lastFailures || lastStatus !== s.status) failedTable.reload();
      } else {
        failedBox.replaceChildren(h("h2", { id: "failed-h" }, "Failed databases"), h("p", { class: "empty" }, "None so far."));
      }
      const running = !FINAL.has(s.status);
      if (running || lastStatus !== s.status) allTable.reload();
      lastStatus = s.status;
      lastFailures = failures;
      // A summary counts every database of the job: a fleet's is polled less often (1 s per 10,000 databases).
      if (running) setTimeout(tick, POLL_MS * Math.min(10, Math.max(1, Math.ceil(s.children_total / 10000))));
    };
    await tick();
  }

  function drawHead(box, parent, s) {
    const actions = h("div", { class: "actions" });
    if (session.can_manage_migrations) {
      if (s.status === "paused") {
        actions.appendChild(h("button", { type: "button", onclick: () => act(parent, s.job_id, "resume") }, "Resume"));
      }
      if (!FINAL.has(s.status) && !s.abort_requested) {
        actions.appendChild(h("button", { type: "button", class: "danger", onclick: () => act(parent, s.job_id, "abort") }, "Abort"));
      }
      if (s.status === "failed" || s.status === "rolled_back" || s.status === "aborted") {
        actions.appendChild(h("button", { type: "button", onclick: () => act(parent, s.job_id, "retry") }, "Retry"));
      }
      if (s.status === "succeeded_with_quarantine") {
        actions.appendChild(h("button", { type: "button", onclick: () => act(parent, s.job_id, "retry") }, "Retry behind children"));
      }
    }
    const repair = s.kind === "repair";
    box.replaceChildren(...[
      h("h1", {}, repair ? "Repair " : "Migration ", badge(s.status),
        s.abort_requested && !FINAL.has(s.status) ? h("span", { class: "note" }, " (abort requested)") : null),
      h("p", { class: "sub mono" }, s.job_id),
      s.status === "paused" ? h("div", { class: "card paused-box", role: "status" },
        h("h2", {}, "Paused after the canary"),
        h("p", {}, `The canary children are migrated (version ${s.to_version}); the other children wait at version `
          + `${s.from_version}, and the whole family is write-blocked until someone decides.`),
        h("p", { class: "note" }, session.can_manage_migrations
          ? "Resume: migrate every other child, then the schema database. Abort: restore the canary children."
          : "Resuming or aborting takes the admin token.")) : null,
      s.status === "succeeded_with_quarantine" ? quarantineBox(s) : null,
      h("div", { class: "card" },
        h("dl", { class: "facts" },
          fact("Schema database", link(`#/db/${enc(parent)}`, parent)),
          repair ? fact("Brings children to", `version ${s.to_version}`) : fact("Versions", `${s.from_version} → ${s.to_version}`),
          fact("Children", num(s.children_total)),
          fact("Started", when(s.created_at)),
          fact(s.finished_at ? "Took" : "Running for", duration(s.created_at, s.finished_at)),
          fact("Batches", `${num(s.batches)} (${s.max_concurrency} at once)`),
          fact("When a child fails", s.on_child_failure === "quarantine" ? "quarantine it" : "roll everything back")),
        s.canary ? canaryFacts(s.canary) : null,
        s.repair ? repairFacts(parent, s.repair) : null,
        h("h3", {}, "SQL"), h("pre", {}, s.sql),
        s.error && s.status !== "succeeded_with_quarantine"
          ? h("div", {}, h("h3", {}, "Error"), h("div", { class: "error-box" }, s.error)) : null,
        actions.childNodes.length ? h("div", { class: "actions-row" }, actions) : null),
    ].filter(Boolean)); // replaceChildren would show a null as text
  }

  function canaryFacts(c) {
    const who = c.count ? `the first ${num(c.count)} children by name` : c.children.join(", ");
    return h("section", { class: "canary", "aria-labelledby": "canary-h" },
      h("h3", { id: "canary-h" }, "Canary"),
      h("dl", { class: "facts" },
        fact("Children first", who),
        fact("Canary batches", num(c.batches)),
        fact("Pause after the canary", c.pause_after_canary ? (c.resumed ? "yes (resumed)" : "yes") : "no")),
      c.verify ? h("div", {}, h("h3", {}, "Verify query (must return true on each)"), h("pre", {}, c.verify)) : null);
  }

  function repairFacts(parent, r) {
    return h("section", { class: "repair-facts", "aria-labelledby": "repair-h" },
      h("h3", { id: "repair-h" }, "Repair"),
      h("dl", { class: "facts" },
        fact("Children brought forward", `${num(r.child_count)}: ${r.children.join(", ")}${r.child_count > r.children.length ? ", …" : ""}`),
        fact("Replays", r.replays.length ? h("span", {}, r.replays.map((x, i) => h("span", {}, i ? ", " : "",
          `v${x.schema_version} (`, link(`#/db/${enc(parent)}/jobs/${enc(x.job_id)}`, x.job_id.slice(0, 8)), ")"))) : "—")));
  }

  /** A success with warnings: the children that failed stayed at the old version, each with SQLite's error. */
  function quarantineBox(s) {
    const shown = s.failed_children.slice(0, 20);
    return h("div", { class: "card warn-box", role: "status" },
      h("h2", {}, `Succeeded, ${num(s.failed_children.length)} ${s.failed_children.length === 1 ? "child" : "children"} left behind`),
      h("p", {}, `The schema database and every other child are at version ${s.to_version}. These children failed and `
        + `stay at version ${s.from_version}, marked behind; they keep serving on their old schema.`),
      h("ul", { class: "behind-list" }, shown.map((f) => h("li", {},
        link(`#/db/${enc(f.database)}`, f.database), ": ", h("span", { class: "mono err" }, f.error)))),
      s.failed_children.length > shown.length ? h("p", { class: "note" }, `… and ${num(s.failed_children.length - shown.length)} more below.`) : null,
      h("p", { class: "note" }, "Once their data is fixed, Retry behind children (or Repair behind children on the family's page) brings them forward."));
  }

  async function act(parent, id, what) {
    try {
      const job = await api(control(`/databases/${enc(parent)}/migrations/${enc(id)}/${what}`), { method: "POST" });
      if (what === "retry") location.hash = `#/db/${enc(parent)}/jobs/${enc(job.job_id)}`;
      else { toast(what === "resume" ? "Resumed: the other children follow." : "Abort requested."); route(); }
    } catch (e) {
      toast(e.message);
    }
  }

  function drawProgress(box, s) {
    const c = s.children, total = s.children_total;
    const dryRun = total - c.pending;
    const cls = SUCCEEDED.has(s.status) ? "progress done" : FINAL.has(s.status) ? "progress bad" : "progress";
    const phase = (n, label, bad) => h("div", { class: `phase${bad && n ? " bad" : ""}` },
      h("div", { class: "n" }, typeof n === "number" ? num(n) : n), h("div", { class: "l" }, label));
    box.replaceChildren(
      h("h2", { id: "progress-h" }, "Progress"),
      h("div", { class: "progress-label" }, h("span", {}, `Step: ${s.step}`), h("strong", { id: "percent" }, `${s.percent}%`)),
      h("div", { class: cls, role: "progressbar", "aria-label": "Migration progress", "aria-valuemin": 0,
        "aria-valuemax": 100, "aria-valuenow": s.percent }, h("div", { style: `width:${s.percent}%` })),
      h("div", { class: "phases" },
        phase(`${num(dryRun)} / ${num(total)}`, "children dry-run"),
        phase(c.dry_run_failed, "failed the dry-run", true),
        phase(`${num(c.applied)} / ${num(total)}`, "children applied"),
        phase(c.failed, "failed to apply", true),
        s.canary && s.canary.verify ? phase(c.verify_failed, "failed the verify query", true) : null,
        phase(c.restored, "restored"),
        h("div", { class: "phase" }, h("div", { class: "n" }, s.schema_database_status ? badge(s.schema_database_status) : "—"),
          h("div", { class: "l" }, "schema database"))),
      h("p", { class: "note", hidden: s.counts_complete }, "Counted over the first 200,000 databases."));
  }

  function drawDiagram(box, s) {
    box.replaceChildren(h("h2", { id: "diagram-h" }, "Workflow"));
    if (!asl) {
      box.appendChild(h("p", {}, `Current step: ${s.step}`));
      return;
    }
    const outcome = SUCCEEDED.has(s.status) ? "ok" : FINAL.has(s.status) ? "bad" : s.status === "paused" ? "paused" : "running";
    box.appendChild(window.Diagram.render(asl, s.visited, outcome));
    box.appendChild(h("div", { class: "legend" }, h("span", {}, "Blue: steps this job passed"),
      h("span", {}, "Thick border: where it is (or ended)"), h("span", {}, "Dashed: on error"), h("span", {}, "Dotted: paused, looking again")));
    box.appendChild(h("ol", { class: "sr-only" }, s.visited.map((n) => h("li", {}, n))));
  }

  function taskTable(parent, id, status, label) {
    return pagedTable({
      caption: status === "failed" ? "Failed databases" : "Databases of this job",
      label,
      columns: [
        { title: "Database", cell: (t) => h("span", {}, link(`#/db/${enc(t.database)}`, t.database), t.is_schema ? h("span", {}, " ", badge("schema")) : null) },
        { title: "Status", cell: (t) => badge(t.status) },
        { title: "Version", num: true, cell: (t) => num(t.schema_version) },
        { title: "Error", cls: "err", cell: (t) => t.error || "" },
      ],
      empty: status === "all" ? "The job has not listed its databases yet." : "None.",
      fetch: async (cursor) => {
        const q = new URLSearchParams({ limit: PAGE });
        if (status !== "all") q.set("status", status);
        if (cursor) q.set("cursor", cursor);
        const p = await api(jobsPath(parent, `/${enc(id)}/databases?${q}`));
        return { rows: p.databases, next: p.next_cursor };
      },
    });
  }

  // ------------------------------------------------------------------ routing

  function route() {
    view++;
    if (!sessionStorage.getItem(TOKEN_KEY)) return renderSignIn();
    if (!session) {
      api("/console/api/session", { quiet: true }).then((s) => { session = s; route(); })
        .catch((e) => { sessionStorage.removeItem(TOKEN_KEY); renderSignIn(e.message); });
      return;
    }
    renderWho();
    const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
    if (parts[0] === "db" && parts.length === 2) renderDatabase(parts[1]);
    else if (parts[0] === "db" && parts.length === 4 && parts[2] === "jobs") renderJob(parts[1], parts[3]);
    else renderOverview();
    main.focus({ preventScroll: true });
  }

  window.addEventListener("hashchange", route);
  route();
})();
