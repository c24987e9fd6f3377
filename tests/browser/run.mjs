// Where the binaries are and how the tests run them: paths come from this file's place in the
// repository, so a clone anywhere (under /tmp, say) runs the same; QIANPI_GATEWAY_BIN,
// QIANPI_CLI_BIN, QIANPI_CHROMIUM and QIANPI_SCREENSHOTS override them.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const gatewayBin =
  process.env.QIANPI_GATEWAY_BIN || path.join(repoRoot, 'target', 'debug', 'qianpi-gateway');
export const cliBin = process.env.QIANPI_CLI_BIN || path.join(repoRoot, 'target', 'debug', 'qianpi');
export const chromiumPath = process.env.QIANPI_CHROMIUM || '/usr/bin/chromium';
export const screenshotDir =
  process.env.QIANPI_SCREENSHOTS || path.join(repoRoot, 'target', 'console-screenshots');

/** Runs a program; resolves with its stdout (a Buffer when `binary`), rejects with its stderr. */
export function run(program, args, { input, env, binary = false, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const merged = { ...process.env, RUST_LOG: 'warn', ...env };
    // An `undefined` value removes the variable (DATABASE_URL must not reach the gateway's CLI).
    for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
    const child = spawn(program, args, {
      cwd,
      env: merged,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out);
      if (code === 0) {
        resolve(binary ? stdout : stdout.toString('utf8').trim());
      } else {
        const name = path.basename(program);
        reject(
          new Error(`${name} ${args.join(' ')} exited ${code}: ${Buffer.concat(err).toString('utf8').trim()}`),
        );
      }
    });
    if (input !== undefined) {
      // A program that exits without reading its input closes the pipe: not an error of ours.
      child.stdin.on('error', (error) => {
        if (error.code !== 'EPIPE') reject(error);
      });
      child.stdin.end(input);
    }
  });
}
