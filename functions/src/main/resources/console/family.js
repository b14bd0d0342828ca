// The console's overview and one-database pages, added to the namespace console.js creates (loaded after it).
"use strict";
(function () {
  const C = window.multidbConsole;
  const { main, state, h, enc, link, badge, num, size, when, duration, toast, api, control, jobsPath,
    listDatabases, getDatabase, errorBox, fact, crumbs, pagedTable, route } = C;

  // ------------------------------------------------------------------ overview

  async function renderOverview() {
    const v = state.view;
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
    if (state.session.kind === "database") {
      main.appendChild(h("div", { class: "card" }, h("p", {}, `This token is for database ${state.session.database} only; `
        + "the console lists databases for the admin token or a group token."),
        link(`#/db/${enc(state.session.database)}`, `Open ${state.session.database}`)));
      return;
    }
    let groups;
    try {
      groups = state.session.kind === "admin" ? (await api(control("/groups"))).groups.map((g) => g.name) : [state.session.group];
    } catch (e) {
      main.appendChild(errorBox(e));
      return;
    }
    if (v !== state.view) return;
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
    const v = state.view;
    main.replaceChildren(h("p", { class: "note" }, "Loading…"));
    let d;
    try {
      d = await getDatabase(name);
    } catch (e) {
      main.replaceChildren(crumbs([]), errorBox(e));
      return;
    }
    if (v !== state.view) return;
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
      if (v === state.view) document.querySelectorAll(".children-count").forEach((e) => (e.textContent = n));
    }).catch(() => {});
    // Migrations first (what an operator comes for), then the children, a page at a time.
    const jobs = h("div", {}, h("p", { class: "note" }, "Loading…"));
    main.appendChild(h("section", { class: "card", "aria-labelledby": "jobs-h" }, h("h2", { id: "jobs-h" }, "Migrations"), jobs,
      state.session.can_manage_migrations ? null : h("p", { class: "note" },
        "Starting, retrying, aborting and unlocking migrations take the admin token.")));
    if (state.session.can_manage_migrations) main.appendChild(startForm(d));
    const childSearch = h("input", { id: "child-search", type: "search", autocomplete: "off", placeholder: "name prefix" });
    const childBox = h("div", {}, childTable(d.Name, ""));
    const repairOut = h("div", { "aria-live": "polite" });
    const repair = state.session.can_manage_migrations ? h("div", { class: "row repair" },
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
      if (v !== state.view) return;
      jobs.replaceChildren(jobTable(d.Name, list.migrations));
    } catch (e) {
      jobs.replaceChildren(errorBox(e));
    }
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

  Object.assign(C, { renderOverview, renderDatabase });
})();
