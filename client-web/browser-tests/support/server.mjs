// Starting and stopping the real `phonghop` server for the browser tests.
//
// The server runs on a free loopback port with a fresh data directory and
// serves the built client from `dist/`, exactly as an agency would run it.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const clientWebDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const distDir = path.join(clientWebDir, 'dist');

/** The server binary: `PHONGHOP_BIN`, or the workspace's debug build. */
export function serverBinaryPath() {
  return process.env.PHONGHOP_BIN
    ? path.resolve(process.env.PHONGHOP_BIN)
    : path.resolve(clientWebDir, '..', 'target', 'debug', 'phonghop');
}

/** A loopback port nobody listens on right now. */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const sleep = (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/**
 * Starts `phonghop serve --demo` (plus `extraArgs`, such as
 * `['--demo-delegates', '58']`) and waits until `GET /healthz` answers 200.
 * Returns `{ baseUrl, output(), stop() }`; `output()` is everything the
 * server printed, for failure messages.
 */
export async function startServer({ timeoutMilliseconds = 30_000, extraArgs = [] } = {}) {
  const binary = serverBinaryPath();
  if (!existsSync(binary)) {
    throw new Error(
      `the phonghop server binary is missing at ${binary}: run \`cargo build\` in the workspace, or set PHONGHOP_BIN`,
    );
  }
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'phonghop-browser-test-'));
  const args = [
    'serve',
    '--demo',
    '--listen',
    `127.0.0.1:${port}`,
    '--data-dir',
    dataDir,
    '--web-dir',
    distDir,
    ...extraArgs,
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });

  let printed = '';
  const collect = (chunk) => {
    printed += chunk.toString();
    if (printed.length > 200_000) printed = printed.slice(-100_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let exited = null;
  const exitedPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
    child.on('error', (error) => {
      exited = { code: null, signal: null, error };
      resolve(exited);
    });
  });

  const baseUrl = `http://127.0.0.1:${port}`;
  const output = () => printed;

  async function stop() {
    if (!exited) {
      child.kill('SIGTERM');
      const stopped = await Promise.race([exitedPromise, sleep(10_000).then(() => null)]);
      if (!stopped) {
        child.kill('SIGKILL');
        await exitedPromise;
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  }

  const deadline = Date.now() + timeoutMilliseconds;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited) {
      await stop();
      const how = exited.error ? exited.error.message : `exit code ${exited.code}, signal ${exited.signal}`;
      throw new Error(
        `the server stopped before it was healthy (${how}): ${binary} ${args.join(' ')}\n--- server output ---\n${printed}`,
      );
    }
    try {
      const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return { baseUrl, output, stop };
      lastProblem = `GET /healthz answered ${response.status}`;
    } catch (error) {
      lastProblem = `GET /healthz failed: ${error.message}`;
    }
    await sleep(200);
  }
  await stop();
  throw new Error(
    `the server was not healthy within ${timeoutMilliseconds / 1000} s (${lastProblem})\n--- server output ---\n${printed}`,
  );
}
