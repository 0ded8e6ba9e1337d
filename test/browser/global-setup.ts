// Browser-test harness: builds the dashboard when the build is missing or older than the sources,
// picks the run's anchor (anchor.ts: 00:00 UTC of the day the run starts; the seeds place every row
// before it and the tests count days from it, never from the clock), seeds a fresh embedded database in
// a temporary directory (in a child process, because chDB locks its data directory and the server must
// own it next), starts the built server on a free port, and stops it afterwards. Tests read the URL,
// the seeded fixture and the anchor with inject('baseURL' | 'fixture' | 'anchor').
//
// OVERSIGHT_BROWSER_APP=<dir> runs the build found in <dir>/build instead of this checkout's (and
// never rebuilds it); OVERSIGHT_BROWSER_KEEP=1 keeps the data directory for a look afterwards;
// OVERSIGHT_BROWSER_ANCHOR=<ISO instant> takes that instant as the run's start (anchor.ts).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import type { Fixture } from './fixture.ts';
import { anchorFor } from './anchor.ts';
import { ensureBuild } from '../helpers/build.ts';
import { freePort } from '../helpers/ports.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

declare module 'vitest' {
  export interface ProvidedContext {
    baseURL: string;
    fixture: Fixture;
    /** 00:00 UTC of the day the run started (anchor.ts), as an ISO instant. */
    anchor: string;
  }
}

function seed(dataDir: string, anchor: string): Fixture {
  const run = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test/browser/seed-cli.ts'), dataDir, anchor], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CLICKHOUSE_URL: '' },
  });
  if (run.status !== 0) throw new Error(`seeding the browser-test database failed:\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Fixture;
}


/** When the run counts as started: now, or OVERSIGHT_BROWSER_ANCHOR (anchor.ts). */
function runStart(): number {
  const given = process.env.OVERSIGHT_BROWSER_ANCHOR;
  if (!given) return Date.now();
  const at = Date.parse(given);
  if (!Number.isFinite(at)) throw new Error(`OVERSIGHT_BROWSER_ANCHOR must be an instant like 2026-12-05T23:58:00Z, got ${JSON.stringify(given)}`);
  return at;
}

async function waitUntilUp(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the dashboard server exited (${child.exitCode}):\n${log()}`);
    try {
      const res = await fetch(`${url}/login`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the dashboard server did not answer at ${url} within 60 s:\n${log()}`);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const appDir = resolve(process.env.OVERSIGHT_BROWSER_APP ?? ROOT);
  ensureBuild(appDir, 'browser tests');
  // Once per run, before seeding: the seeds and every test file count their days from it.
  const anchor = anchorFor(runStart());
  const dataDir = mkdtempSync(join(tmpdir(), 'oversight-browser-'));
  const fixture = seed(dataDir, anchor);
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn(process.execPath, [join(appDir, 'build/index.js')], {
    cwd: appDir,
    env: { ...process.env, OVERSIGHT_DATA_DIR: dataDir, CLICKHOUSE_URL: '', PORT: String(port), HOST: '127.0.0.1', ORIGIN: baseURL },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  try {
    await waitUntilUp(baseURL, child, () => output.slice(-4000));
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  project.provide('baseURL', baseURL);
  project.provide('fixture', fixture);
  project.provide('anchor', anchor);

  return async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    if (process.env.OVERSIGHT_BROWSER_KEEP === '1') console.error(`browser tests: data kept in ${dataDir}; server log:\n${output.slice(-2000)}`);
    else rmSync(dataDir, { recursive: true, force: true });
  };
}
