// The soak's figures: every operation classified (outside migrations, during one, while the runtime was down,
// while dynalite restarted), throughput and latency per class, errors by code with their explanation, the
// migrations' outcomes, the kill's recovery, the verification; as JSON, a per-second CSV and Markdown.
import { OP_NAMES } from "./load.mjs";

const NETWORK = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED", "TypeError",
  "AbortError", "TimeoutError", "HRANA_CLOSED_ERROR"]);

export function summarize({ load, migrations, events, verification, loadEnd, databases, clients, minutes,
  familyOfDb, loadAverage, cpus, cpu }) {
  const kill = events.find((e) => e.what === "kill");
  const dyn = events.find((e) => e.what === "dynalite");
  const famKey = { "fam-a": "a", "fam-b": "b" };
  const windows = migrations.map((m) => ({ family: famKey[m.family], from: m.tPost, to: m.tEnd ?? loadEnd }));
  const overlaps = (s, e, w) => s <= w.to && e >= w.from;

  // When the runtime served again: the end of the first successful operation that started after the kill.
  let served = null;
  if (kill) {
    for (const [s, lat, , , code] of load.ops) {
      if (code === "ok" && s >= kill.tKill && (served === null || s + lat < served)) served = s + lat;
    }
    kill.tServed = served;
  }
  const outage = kill ? { from: kill.tKill, to: served ?? kill.tListening } : null;
  const dynWindow = dyn?.tKill !== undefined ? { from: dyn.tKill, to: dyn.tBack + 2000 } : null;

  // Errors by code, each explained or not.
  const errors = {};
  const count = (code, why) => {
    const k = `${code}|${why}`;
    errors[k] = (errors[k] ?? 0) + 1;
  };
  for (const [s, lat, op, d, code] of load.ops) {
    if (code === "ok") continue;
    const e = s + lat;
    const fam = familyOfDb[d];
    if (code === "BLOCKED" && fam && windows.some((w) => w.family === fam && overlaps(s, e, w))) {
      count(code, "expected: a migration held the family");
    } else if (code === "STREAM_CONFLICT" && op === 3) {
      count(code, "expected: optimistic transaction conflict (another writer changed the table)");
    } else if (NETWORK.has(code) && outage && overlaps(s, e, outage)) {
      count(code, "expected: the runtime was killed");
    } else {
      count(code, "UNEXPLAINED");
    }
  }
  const errorRows = Object.entries(errors).map(([k, n]) => {
    const [code, why] = k.split("|");
    return { code, why, count: n };
  }).sort((x, y) => y.count - x.count);

  // Per second: ok ops, errors, latency, and what was happening.
  const secs = Math.ceil(loadEnd / 1000);
  const buckets = Array.from({ length: secs }, () => ({ ok: 0, err: 0, blocked: 0, lat: [] }));
  const classOf = (from, to) => {
    if (outage && from <= outage.to && to >= outage.from) return "outage";
    if (dynWindow && from <= dynWindow.to && to >= dynWindow.from) return "dynalite";
    if (windows.some((w) => from <= w.to && to >= w.from)) return "migration";
    return "outside";
  };
  for (const [s, lat, , , code] of load.ops) {
    const b = buckets[Math.min(secs - 1, Math.floor(s / 1000))];
    if (code === "ok") {
      b.ok++;
      b.lat.push(lat);
    } else {
      b.err++;
      if (code === "BLOCKED") b.blocked++;
    }
  }
  const perClass = {};
  const lines = ["second,ok_per_s,errors_per_s,blocked_per_s,p50_ms,p99_ms,class"];
  buckets.forEach((b, i) => {
    const cls = classOf(i * 1000, (i + 1) * 1000);
    const c = (perClass[cls] ??= { seconds: 0, ok: 0, err: 0, lat: [] });
    c.seconds++;
    c.ok += b.ok;
    c.err += b.err;
    for (const l of b.lat) c.lat.push(l);
    b.lat.sort((x, y) => x - y);
    lines.push([i, b.ok, b.err, b.blocked, pct(b.lat, 0.5, true).toFixed(1), pct(b.lat, 0.99, true).toFixed(1), cls].join(","));
  });
  const classes = {};
  for (const [cls, c] of Object.entries(perClass)) {
    c.lat.sort((x, y) => x - y);
    classes[cls] = { seconds: c.seconds, okPerSecond: round(c.ok / c.seconds), errorsPerSecond: round(c.err / c.seconds),
      p50Ms: round(pct(c.lat, 0.5, true)), p99Ms: round(pct(c.lat, 0.99, true)) };
  }

  const perOp = OP_NAMES.map((name, op) => {
    const lat = [];
    let n = 0;
    let ok = 0;
    for (const [, l, o, , code] of load.ops) {
      if (o !== op) continue;
      n++;
      if (code === "ok") {
        ok++;
        lat.push(l);
      }
    }
    lat.sort((x, y) => x - y);
    return { op: name, count: n, ok, p50Ms: round(pct(lat, 0.5, true)), p99Ms: round(pct(lat, 0.99, true)) };
  });

  const httpErrors = [...load.httpErrors.entries()].map(([k, e]) => ({ answer: k.split("|")[0], ...e }))
    .map((e) => ({ ...e, why: httpWhy(e.answer, e.request) }))
    .sort((a, b) => b.count - a.count);
  const unexplainedHttp = httpErrors.filter((e) => e.why === "UNEXPLAINED").reduce((a, e) => a + e.count, 0);
  const http = Object.fromEntries([...load.httpStatus.entries()].sort((a, b) => a[0] - b[0]));
  const fiveXX = [...load.httpStatus.entries()].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0);
  const unexplained = errorRows.filter((r) => r.why === "UNEXPLAINED").reduce((a, r) => a + r.count, 0);
  const v = verification.writes;
  const familiesOk = Object.values(verification.families).every((f) => f.oneVersion);
  const migrationsAsExpected = migrations.filter((m) => m.status === m.expected).length;
  const verdict = { ok: v.lost === 0 && v.duplicated === 0 && v.rejectedPresent === 0 && v.wrongDb === 0
    && v.unexpectedRows === 0 && fiveXX === 0 && unexplained === 0 && unexplainedHttp === 0 && familiesOk,
    lost: v.lost, duplicated: v.duplicated, fiveXX, unexplained, unexplainedHttp, familiesOk, migrationsAsExpected };

  const summary = {
    when: new Date().toISOString(), minutes, clients, databases: databases.length, cpus,
    loadAverageAtEnd: loadAverage.map(round), operations: load.ops.length,
    cpu: { runtimeCores: round2(cpu.runtimeCores), clientCores: round2(cpu.clientCores), loadAverageMean: round(cpu.loadAverageMean),
      okOpsPerRuntimeCpuSecond: round(load.ops.filter((o) => o[4] === "ok").length / (cpu.runtimeCores * loadEnd / 1000)) },
    okPerSecondOverall: round(load.ops.filter((o) => o[4] === "ok").length / (loadEnd / 1000)),
    classes, perOp, errors: errorRows, httpStatus: http, serverErrors: load.serverErrors,
    httpErrors,
    migrations: migrations.map((m) => ({ k: m.k, kind: m.kind, family: m.family, expected: m.expected, status: m.status,
      jobId: m.jobId, killed: m.killed, statusAtKill: m.statusAtKill, atS: round(m.tPost / 1000),
      seconds: m.tEnd !== undefined ? round((m.tEnd - m.tPost) / 1000) : null, error: m.error ? String(m.error).slice(0, 200) : undefined,
      jobEndedAfterS: m.tJobEnded !== undefined ? round((m.tJobEnded - m.tPost) / 1000) : undefined,
      unlockedAfterS: m.tUnlocked !== undefined ? round((m.tUnlocked - m.tPost) / 1000) : undefined,
      writableAfterS: m.tWritable !== undefined ? round((m.tWritable - m.tPost) / 1000) : undefined,
      writableAfterRestartS: m.tWritable !== undefined && kill ? round((m.tWritable - kill.tListening) / 1000) : undefined,
      unlockAnswers: m.unlocks ? countBy(m.unlocks.map((u) => u.status)) : undefined })),
    kill: kill && { atS: round(kill.tKill / 1000), listeningAfterS: round((kill.tListening - kill.tKill) / 1000),
      servedAfterS: served === null ? null : round((served - kill.tKill) / 1000) },
    dynalite: dyn && { atS: round(dyn.tKill / 1000), backAfterS: round((dyn.tBack - dyn.tKill) / 1000), error: dyn.error },
    verification, verdict,
  };
  summary.timelineCsv = lines.join("\n") + "\n";
  summary.markdown = markdown(summary);
  return summary;
}

function markdown(s) {
  const v = s.verification.writes;
  const out = [];
  out.push(`### Soak run ${s.when} — ${s.minutes} min, ${s.clients} clients, ${s.databases} databases`);
  out.push("");
  out.push(`Verdict: **${s.verdict.ok ? "PASS" : "FAIL"}** — ${v.ack} writes acknowledged, ${v.lost} lost, `
    + `${v.duplicated} duplicated; ${s.verdict.fiveXX} HTTP 5xx; ${s.verdict.unexplained} unexplained errors and `
    + `${s.verdict.unexplainedHttp} unexplained HTTP answers; `
    + `families on one schema version: ${s.verdict.familiesOk ? "yes" : "NO"}; `
    + `${s.verdict.migrationsAsExpected}/${s.migrations.length} migrations ended as expected. `
    + `Load average at the end: ${s.loadAverageAtEnd.join(", ")} (${s.cpus} CPUs), ${s.cpu.loadAverageMean} on average `
    + `during the load; the runtime (JVM + emulators) got ${s.cpu.runtimeCores} cores on average, the clients ${s.cpu.clientCores}: `
    + `${s.cpu.okOpsPerRuntimeCpuSecond} successful operations per CPU-second of the runtime.`);
  out.push("");
  out.push("| period | seconds | ok ops/s | errors/s | p50 ms | p99 ms |");
  out.push("|---|---:|---:|---:|---:|---:|");
  for (const cls of ["outside", "migration", "dynalite", "outage"]) {
    const c = s.classes[cls];
    if (c) out.push(`| ${LABEL[cls]} | ${c.seconds} | ${c.okPerSecond} | ${c.errorsPerSecond} | ${c.p50Ms} | ${c.p99Ms} |`);
  }
  out.push("");
  out.push("| operation | count | ok | p50 ms | p99 ms |");
  out.push("|---|---:|---:|---:|---:|");
  for (const o of s.perOp) out.push(`| ${o.op} | ${o.count} | ${o.ok} | ${o.p50Ms} | ${o.p99Ms} |`);
  out.push("");
  out.push("| error code | count | explanation |");
  out.push("|---|---:|---|");
  for (const e of s.errors) out.push(`| \`${e.code}\` | ${e.count} | ${e.why} |`);
  if (!s.errors.length) out.push("| (none) | 0 | |");
  out.push("");
  out.push(`HTTP statuses the clients received: ${Object.entries(s.httpStatus).map(([k, n]) => `${k}: ${n}`).join(", ")}.`);
  out.push("");
  if (s.httpErrors.length) {
    out.push("| HTTP answer (not 200) | count | a request that got it | explanation |");
    out.push("|---|---:|---|---|");
    for (const e of s.httpErrors) out.push(`| ${e.answer} | ${e.count} | \`${e.request}\` | ${e.why} |`);
    out.push("");
  }
  out.push(`Writes: ${v.ack} acknowledged (${v.lost} lost, ${v.duplicated} duplicated, ${v.wrongDb} in the wrong database); `
    + `${v.rejected} refused with a definite error (${v.rejectedPresent} of them present anyway); `
    + `${v.unknown} cut off by the kill (${v.unknownPresent} of them present); ${v.unexpectedRows} rows nobody wrote.`);
  out.push("");
  out.push("| # | at s | family | kind | expected | status | s to end | note |");
  out.push("|---:|---:|---|---|---|---|---:|---|");
  for (const m of s.migrations) {
    const note = m.killed
      ? `runtime killed while ${m.statusAtKill}; job seen ended ${m.jobEndedAfterS ?? "—"} s after its start`
        + (m.unlockedAfterS !== undefined ? ` (by the soak's unlock, accepted at ${m.unlockedAfterS} s)` : " (by itself: no unlock needed)")
        + `; family writable again at ${m.writableAfterS ?? "—"} s`
        + (m.unlockAnswers ? `; unlock answers ${JSON.stringify(m.unlockAnswers)}` : "")
      : (m.error ? String(m.error).slice(0, 90).replaceAll("|", "/") : "");
    out.push(`| ${m.k} | ${m.atS} | ${m.family} | ${m.kind} | ${m.expected} | ${m.status === m.expected ? m.status : `**${m.status}**`} | ${m.seconds ?? "—"} | ${note} |`);
  }
  out.push("");
  if (s.kill) {
    out.push(`Kill (SIGKILL to the process group) at ${s.kill.atS} s: the runtime answered again ${s.kill.listeningAfterS} s later `
      + `(JVM start, dynalite, Step Functions emulator), and a client's operation succeeded ${s.kill.servedAfterS} s after the kill.`);
    const km = s.migrations.find((m) => m.killed);
    if (km) {
      out.push(`The family of the killed job (${km.family}) was writable again ${km.writableAfterRestartS ?? "—"} s after the runtime `
        + `answered again (${km.unlockedAfterS !== undefined ? "after the soak's unlock" : "without any unlock"}); the job ended ${km.status}.`);
    }
  }
  if (s.dynalite) {
    out.push(`dynalite killed at ${s.dynalite.atS} s: running again ${s.dynalite.backAfterS} s later${s.dynalite.error ? ` (${s.dynalite.error})` : ""}.`);
  }
  out.push("");
  out.push("| family | children | versions in the catalog (parent + children) | versions in the files (_multidb_schema) | distinct schemas (sqlite_schema + columns) | one version |");
  out.push("|---|---:|---|---|---:|---|");
  for (const [name, f] of Object.entries(s.verification.families)) {
    out.push(`| ${name} | ${f.children} | ${f.catalogVersions.join(", ")} | ${f.fileVersions.join(", ")} | ${f.distinctSchemas} | ${f.oneVersion ? "yes" : "**no**"} |`);
  }
  if (s.serverErrors.length) {
    out.push("");
    out.push("5xx answers (first ones):");
    for (const e of s.serverErrors) out.push(`- ${round(e.t / 1000)} s: ${e.status} ${e.body.replaceAll("\n", " ")}`);
  }
  return out.join("\n") + "\n";
}

/** Why an answer other than 200 is expected under this load, or UNEXPLAINED. */
function httpWhy(answer, request) {
  if (answer === "409 STREAM_CONFLICT") return "expected: optimistic transaction conflict";
  if (answer === "403 BLOCKED") return "expected: a migration held the family (a stream's write)";
  if (answer === "400 BATON_STREAM_CLOSED" && / close \(with a baton\)$/.test(request)) {
    return "expected: after a stream's request fails at HTTP level, @libsql/client sends close with its last "
      + "baton; the stream is over, so the server refuses it (by design, StreamTest) and the client ignores it";
  }
  return "UNEXPLAINED";
}

const LABEL = { outside: "outside migrations", migration: "during migrations", dynalite: "dynalite restarting (+2 s)",
  outage: "runtime killed → first op served" };

function pct(sorted, p, zeroIfEmpty) {
  if (!sorted.length) return zeroIfEmpty ? 0 : NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function round2(x) {
  return Math.round(x * 100) / 100;
}

function round(x) {
  return x === null || x === undefined || Number.isNaN(x) ? x : Math.round(x * 10) / 10;
}

function countBy(xs) {
  const o = {};
  for (const x of xs) o[x] = (o[x] ?? 0) + 1;
  return o;
}
