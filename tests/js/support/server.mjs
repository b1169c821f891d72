// Starting, killing and restarting the real `phonghop` binary for the sync
// tests: a free loopback port, a fresh data directory, `--demo`.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const workspace = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** The server binary: `PHONGHOP_BIN`, or the workspace's debug build. */
export function serverBinaryPath() {
  return process.env.PHONGHOP_BIN
    ? path.resolve(process.env.PHONGHOP_BIN)
    : path.join(workspace, "target", "debug", "phonghop");
}

/** A loopback port nobody listens on right now. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

export const sleep = milliseconds => new Promise(resolve => setTimeout(resolve, milliseconds));

/**
 * A `phonghop serve --demo` process. `start()` waits until `/healthz`
 * answers; `kill()` sends SIGKILL; `restart()` starts it again on the same
 * port and data directory. `output()` is everything it printed.
 */
export class PhonghopServer {
  constructor({ extraArgs = [], env = {} } = {}) {
    this.binary = serverBinaryPath();
    if (!existsSync(this.binary)) {
      throw new Error(
        `the phonghop server binary is missing at ${this.binary}: run \`cargo build -p phonghop-server\`, or set PHONGHOP_BIN`,
      );
    }
    this.extraArgs = extraArgs;
    this.env = env;
    this.dataDir = mkdtempSync(path.join(os.tmpdir(), "phonghop-sync-test-"));
    this.printed = "";
    this.child = null;
  }

  get baseUrl() {
    return `http://127.0.0.1:${this.port}`;
  }

  output() {
    return this.printed;
  }

  async start({ timeoutMilliseconds = 60_000 } = {}) {
    this.port ??= await freePort();
    const args = [
      "serve",
      "--demo",
      "--listen",
      `127.0.0.1:${this.port}`,
      "--data-dir",
      this.dataDir,
      ...this.extraArgs,
    ];
    const child = spawn(this.binary, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PHONGHOP_LOG: process.env.PHONGHOP_LOG ?? "info", ...this.env },
    });
    this.child = child;
    const collect = chunk => {
      this.printed += chunk.toString();
      if (this.printed.length > 400_000) this.printed = this.printed.slice(-200_000);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.exited = new Promise(resolve => {
      child.on("exit", (code, signal) => resolve({ code, signal }));
      child.on("error", error => resolve({ code: null, signal: null, error }));
    });
    let done = null;
    child.exited.then(result => {
      done = result;
    });

    const deadline = Date.now() + timeoutMilliseconds;
    let lastProblem = "no answer yet";
    while (Date.now() < deadline) {
      if (done) {
        throw new Error(
          `the server stopped before it was healthy (${JSON.stringify(done)})\n--- server output ---\n${this.printed}`,
        );
      }
      try {
        const response = await fetch(`${this.baseUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
        if (response.status === 200) return this;
        lastProblem = `GET /healthz answered ${response.status}`;
      } catch (error) {
        lastProblem = `GET /healthz failed: ${error.message}`;
      }
      await sleep(50);
    }
    await this.kill();
    throw new Error(`the server was not healthy in time (${lastProblem})\n--- server output ---\n${this.printed}`);
  }

  /** SIGKILL: no chance to flush anything. */
  async kill() {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGKILL");
    await child.exited;
  }

  /** SIGTERM, then SIGKILL after 15 s. Returns how it exited. */
  async terminate() {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return null;
    child.kill("SIGTERM");
    const result = await Promise.race([child.exited, sleep(15_000).then(() => null)]);
    if (!result) await this.kill();
    return result;
  }

  async restart() {
    await this.kill();
    return this.start();
  }

  /** Stops the server and removes its data directory. */
  async dispose() {
    await this.terminate();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
