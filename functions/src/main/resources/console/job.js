// The console's job page, added to the namespace console.js creates (loaded after it); diagram.js draws the workflow.
"use strict";
(function () {
  const C = window.multidbConsole;
  const { POLL_MS, PAGE, FINAL, SUCCEEDED, main, state, h, enc, link, badge, num, when, duration, toast, api,
    control, jobsPath, errorBox, fact, crumbs, pagedTable, route } = C;
  let asl = null; // the workflow's ASL, fetched once for the diagram

  // ------------------------------------------------------------------ one job

  async function renderJob(parent, id) {
    const v = state.view;
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
      if (v !== state.view) return;
      let s;
      try {
        s = await api(jobsPath(parent, `/${enc(id)}/summary`));
      } catch (e) {
        head.replaceChildren(errorBox(e));
        if (e.status !== 404 && e.status !== 403) setTimeout(tick, POLL_MS * 3);
        return;
      }
      if (v !== state.view) return;
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
    if (state.session.can_manage_migrations) {
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
        h("p", { class: "note" }, state.session.can_manage_migrations
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

  Object.assign(C, { renderJob });
})();
