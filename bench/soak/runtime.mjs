// The local runtime as the soak drives it: started in a process group of its own (so that a SIGKILL of the group
// takes the JVM and its Node children, dynalite and the Step Functions emulator, at once), killed, started again
// on the same port and data directory, and its dynalite child found by pid to be killed alone.
import { spawn } from "node:child_process";
import fs from "node:fs";
import { setTimeout as delay } from "node:timers/promises";

export class Runtime {
  /**
   * @param failApplyOn the database whose migration applies fail (SoakRuntime: the local runtime's launcher with
   *                    that one fault, run from the bench's classpath, which bin/soak passes in SOAK_JAVA and
   *                    SOAK_CLASSPATH)
   */
  constructor({ root, port, dataDir, logFile, token, failApplyOn }) {
    Object.assign(this, { root, port, dataDir, logFile, token, failApplyOn });
    this.java = process.env.SOAK_JAVA;
    this.classpath = process.env.SOAK_CLASSPATH;
    if (!this.java || !this.classpath) throw new Error("SOAK_JAVA and SOAK_CLASSPATH must be set: run bin/soak");
    this.base = `http://127.0.0.1:${port}`;
    this.child = null;
    this.exited = null;
  }

  /** Spawns the runtime (the JVM directly, as bin/multidb-local does) and resolves once the control plane answers 200. */
  async start(timeoutMs = 120_000) {
    const out = fs.openSync(this.logFile, "a");
    fs.writeSync(out, `\n===== soak: starting the runtime at ${new Date().toISOString()}\n`);
    const args = ["--enable-native-access=ALL-UNNAMED", "-Dsun.net.httpserver.nodelay=true", `-Dmultidb.home=${this.root}`,
      "-cp", this.classpath, "io.multidb.bench.SoakRuntime",
      "--port", String(this.port), "--data-dir", this.dataDir, "--fail-apply-on", this.failApplyOn];
    const child = spawn(this.java, args, {
      detached: true, // setsid: the runtime leads a new process group, which holds its emulators too
      stdio: ["ignore", out, out],
      env: { ...process.env, MULTIDB_ADMIN_TOKEN: this.token },
    });
    fs.closeSync(out);
    this.child = child;
    this.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`the runtime exited while starting (see ${this.logFile})`);
      }
      try {
        const r = await fetch(`${this.base}/v1/organizations/local/groups`, {
          headers: { authorization: `Bearer ${this.token}` },
          signal: AbortSignal.timeout(5000),
        });
        await r.arrayBuffer();
        if (r.status === 200) return;
      } catch {
        // not listening yet
      }
      await delay(100); // nothing to wait on but the port: poll
    }
    throw new Error(`the runtime did not answer within ${timeoutMs} ms (see ${this.logFile})`);
  }

  /** SIGKILL to the whole process group: the JVM, dynalite, the Step Functions emulator. */
  async kill() {
    process.kill(-this.child.pid, "SIGKILL");
    await this.exited;
    // The Node children die with the group; wait until none of them holds the data directory any more.
    await this.#awaitGroupGone(10_000);
  }

  /** SIGTERM (the runtime's shutdown hook stops its emulators), SIGKILL after a grace period. */
  async stop(graceMs = 20_000) {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    process.kill(-this.child.pid, "SIGTERM");
    const done = await Promise.race([this.exited.then(() => true), delay(graceMs).then(() => false)]);
    if (!done) process.kill(-this.child.pid, "SIGKILL");
    await this.exited;
    await this.#awaitGroupGone(10_000).catch(() => {});
  }

  /** The runtime's dynalite child (its command line runs dynalite's cli.js): { pid, port }, or null. */
  dynalite() {
    for (const pid of childrenOf(this.child.pid)) {
      const cmd = readCmdline(pid);
      if (cmd.includes("dynalite") && cmd.includes("cli.js")) {
        const port = Number((/--port (\d+)/.exec(cmd) ?? [])[1]);
        return { pid, port };
      }
    }
    return null;
  }

  /** CPU seconds (user + system) used so far by the running JVM and its child processes (the emulators). */
  cpuSeconds() {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return null;
    let ticks = 0;
    for (const pid of [this.child.pid, ...childrenOf(this.child.pid)]) {
      try {
        // Fields after the command name (which is in parentheses): utime and stime are the 12th and 13th.
        const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
        ticks += Number(f[11]) + Number(f[12]);
      } catch {
        // ended meanwhile
      }
    }
    return ticks / 100; // USER_HZ is 100 on Linux
  }

  async #awaitGroupGone(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        process.kill(-this.child.pid, 0);
      } catch {
        return; // ESRCH: no process left in the group
      }
      await delay(50);
    }
    throw new Error(`process group ${this.child.pid} still alive ${timeoutMs} ms after the kill`);
  }
}

function childrenOf(pid) {
  const out = [];
  let tasks = [];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      const s = fs.readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").trim();
      if (s) out.push(...s.split(/\s+/).map(Number));
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

function readCmdline(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}
