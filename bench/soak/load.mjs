// The soak's load: many concurrent @libsql/client users (HTTP, keep-alive) doing point reads, single-row writes,
// small write batches and interactive transactions against every database, as fast as they are answered. Every
// write carries a unique id (uid); each id is recorded as acknowledged (the client's promise resolved), rejected
// (a definite error: nothing may have been written) or unknown (the connection broke: it may or may not be there).
import { createClient } from "@libsql/client";
import { setTimeout as delay } from "node:timers/promises";

/** Error codes that say the request did not write (the server answered and refused). */
const DEFINITE = new Set(["BLOCKED", "STREAM_CONFLICT", "STREAM_EXPIRED", "SQLITE_CONSTRAINT", "SQL_PARSE_ERROR",
  "SCHEMA_CHANGE_REFUSED", "FORBIDDEN", "UNAUTHORIZED", "NOT_FOUND", "INVALID_REQUEST", "SQLITE_ERROR"]);
const REQUEST_TIMEOUT_MS = 60_000;
const RECENT = 64; // per database: acknowledged uids that reads pick from

/** The code an error is counted under: libSQL's code, else the network error's (ECONNREFUSED, ...), else its name. */
export function errorCode(e) {
  if (e?.code && typeof e.code === "string" && e.code !== "UNKNOWN") return e.code;
  let c = e?.cause;
  for (let i = 0; i < 4 && c; i++, c = c.cause) {
    if (typeof c.code === "string") return c.code;
  }
  return e?.name ?? "Error";
}

export class Load {
  constructor({ base, token, databases, clients, t0, rng }) {
    Object.assign(this, { base, token, databases, clients, t0, rng });
    this.ops = []; // [tStartMs, latencyMs, opIndex, dbIndex, code]
    this.writes = new Map(); // uid -> { db, state: "ack"|"rejected"|"unknown", code }
    this.recent = databases.map(() => []);
    this.httpStatus = new Map(); // HTTP status -> count (every response the clients got)
    this.serverErrors = []; // bodies of the first 5xx answers
    this.httpErrors = new Map(); // "status code" -> { count, sample body, sample request }
    this.stopping = false;
    const fetchCounting = async (input, init) => {
      // The request's body, read before it is sent, to name what an answer other than 200 was for.
      const sent = (input instanceof Request ? input.clone().text() : Promise.resolve(init?.body)).catch(() => "");
      const res = await fetch(input, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      this.httpStatus.set(res.status, (this.httpStatus.get(res.status) ?? 0) + 1);
      if (res.status !== 200) {
        // Which answers were not 200, by status and code (a 4xx must be the client's doing, a 5xx is a bug).
        const body = await res.clone().text();
        let code = "";
        try {
          code = JSON.parse(body).code ?? "";
        } catch {
          // not JSON
        }
        const request = requestOf(input, await sent);
        // Keyed by the answer and the kind of request (its pipeline's request types), not by database.
        const key = `${res.status} ${code}|${request.replace(/^\S+ /, "")}`;
        const seen = this.httpErrors.get(key) ?? { count: 0, sample: body.slice(0, 300), request };
        seen.count++;
        this.httpErrors.set(key, seen);
        if (res.status >= 500 && this.serverErrors.length < 20) {
          this.serverErrors.push({ t: this.now(), status: res.status, body: body.slice(0, 500) });
        }
      }
      return res;
    };
    this.libsql = databases.map((name) => createClient({ url: `${base}/db/${name}/`, authToken: token, fetch: fetchCounting }));
  }

  now() {
    return performance.now() - this.t0;
  }

  run() {
    this.done = Promise.all(Array.from({ length: this.clients }, (_, w) => this.#worker(w)));
    return this.done;
  }

  async stop() {
    this.stopping = true;
    await this.done;
    for (const c of this.libsql) c.close();
  }

  async #worker(w) {
    let seq = 0;
    // Bounded: stops when asked, and in any case after this many operations.
    for (let n = 0; n < 50_000_000 && !this.stopping; n++) {
      const d = Math.floor(this.rng() * this.databases.length);
      const r = this.rng();
      const op = r < 0.5 ? 0 : r < 0.75 ? 1 : r < 0.9 ? 2 : 3;
      const uids = [];
      const uid = () => {
        const u = `w${w}-${seq++}`;
        uids.push(u);
        return u;
      };
      const start = this.now();
      let code = "ok";
      try {
        await this.#op(op, d, uid);
      } catch (e) {
        code = errorCode(e);
      }
      const end = this.now();
      this.ops.push([start, end - start, op, d, code]);
      const state = code === "ok" ? "ack" : DEFINITE.has(code) ? "rejected" : "unknown";
      for (const u of uids) this.writes.set(u, { db: d, state, code });
      if (code === "ok") {
        const rec = this.recent[d];
        for (const u of uids) {
          rec.push(u);
          if (rec.length > RECENT) rec.shift();
        }
      } else if (state === "unknown") {
        await delay(50); // the runtime is down or restarting: do not spin on refused connections
      }
    }
  }

  async #op(op, d, uid) {
    const c = this.libsql[d];
    const payload = "p".repeat(64);
    const insert = (kind) => ({ sql: "INSERT INTO items(uid, kind, payload) VALUES (?, ?, ?)", args: [uid(), kind, payload] });
    switch (op) {
      case 0: { // point read
        const rec = this.recent[d];
        const u = rec.length ? rec[Math.floor(this.rng() * rec.length)] : "none";
        await c.execute({ sql: "SELECT uid, kind, payload FROM items WHERE uid = ?", args: [u] });
        return;
      }
      case 1: // single-row write
        await c.execute(insert("write"));
        return;
      case 2: // small write batch (one transaction)
        await c.batch([insert("batch"), insert("batch"), insert("batch")], "write");
        return;
      case 3: { // interactive transaction: a read, two writes, commit (several requests, one stream)
        const tx = await c.transaction("write");
        try {
          await tx.execute({ sql: "SELECT count(*) FROM items WHERE uid = ?", args: [this.recent[d].at(-1) ?? "none"] });
          await tx.execute(insert("tx"));
          await tx.execute(insert("tx"));
          await tx.commit();
        } finally {
          tx.close();
        }
        return;
      }
    }
  }
}

/** A short description of a request (its URL path and the request types in a pipeline), for the error table. */
function requestOf(input, body) {
  const url = typeof input === "string" ? input : input.url;
  let types = "";
  if (typeof body === "string") {
    try {
      const j = JSON.parse(body);
      types = (j.requests ?? []).map((r) => r.type).join("+") + (j.baton ? " (with a baton)" : "");
    } catch {
      // not JSON
    }
  }
  return `${new URL(url).pathname} ${types}`.trim();
}

export const OP_NAMES = ["read", "write", "batch", "transaction"];
