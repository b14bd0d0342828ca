// The multidb console: one page, hash routes, plain DOM. Every number on screen comes from the API with the
// signed-in token; the page hides actions the token cannot take, and the API refuses them anyway.
// This file, loaded first, holds the helpers, the paged table, sign-in and routing; the pages' files (family.js:
// the overview and one database; job.js: one job) take them from, and add their pages to, window.multidbConsole.
"use strict";
(function () {
  const TOKEN_KEY = "multidb.console.token";
  const POLL_MS = 1000;
  const PAGE = 50;
  const FINAL = new Set(["succeeded", "succeeded_with_quarantine", "failed", "rolled_back", "aborted"]);
  const SUCCEEDED = new Set(["succeeded", "succeeded_with_quarantine"]);
  const main = document.getElementById("main");
  const who = document.getElementById("who");
  // What every page reads: the signed-in session, and a counter bumped on every navigation (a poll or a late
  // response of an older view stops itself).
  const state = { session: null, view: 0 };
  const C = (window.multidbConsole = { state });

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

  const control = (path) => `/v1/organizations/${enc(state.session.org)}${path}`;
  const jobsPath = (db, rest = "") => `/db/${enc(db)}/v1/jobs${rest}`;

  /** The paged list: the Platform API route for the admin token, the console's route for a group token. */
  function listDatabases(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
    if (!q.has("limit")) q.set("limit", PAGE);
    const base = state.session.kind === "admin" ? control("/databases") : "/console/api/databases";
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
    state.session = null;
    location.hash = "#/";
    renderSignIn(message);
  }

  function renderSignIn(message) {
    state.view++;
    who.replaceChildren();
    const input = h("input", { id: "token", name: "token", type: "password", autocomplete: "off", required: true,
      "aria-describedby": "token-help" });
    const form = h("form", { class: "card signin", onsubmit: async (ev) => {
      ev.preventDefault();
      sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      try {
        state.session = await api("/console/api/session", { quiet: true });
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
    const what = state.session.kind === "admin" ? "admin token"
      : state.session.kind === "group" ? `group ${state.session.group}` : `database ${state.session.database}`;
    who.replaceChildren(
      h("span", {}, `Signed in: ${what}${state.session.read_only ? " (read-only)" : ""} · org ${state.session.org}`),
      h("button", { type: "button", onclick: () => signOut() }, "Sign out"));
  }

  // ------------------------------------------------------------------ routing

  function route() {
    state.view++;
    if (!sessionStorage.getItem(TOKEN_KEY)) return renderSignIn();
    if (!state.session) {
      api("/console/api/session", { quiet: true }).then((s) => { state.session = s; route(); })
        .catch((e) => { sessionStorage.removeItem(TOKEN_KEY); renderSignIn(e.message); });
      return;
    }
    renderWho();
    const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
    if (parts[0] === "db" && parts.length === 2) C.renderDatabase(parts[1]);
    else if (parts[0] === "db" && parts.length === 4 && parts[2] === "jobs") C.renderJob(parts[1], parts[3]);
    else C.renderOverview();
    main.focus({ preventScroll: true });
  }

  Object.assign(C, { POLL_MS, PAGE, FINAL, SUCCEEDED, main, h, enc, link, badge, num, size, when, duration, toast, api,
    control, jobsPath, listDatabases, getDatabase, errorBox, fact, crumbs, pagedTable, route });
  window.addEventListener("hashchange", route);
  // Deferred scripts run in order, all before DOMContentLoaded: by then family.js and job.js have added their pages.
  document.addEventListener("DOMContentLoaded", route);
})();
