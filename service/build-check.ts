// The demo builds the dashboard when the build is missing or older than its sources, so
// `npm install && npm run demo` works on a fresh clone and after a `git pull`.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCES = ['src', 'contracts', 'clickhouse', 'config', 'pipelines', 'evaluators', 'svelte.config.js', 'vite.config.ts', 'package.json'];
const HANDLER = join(ROOT, 'build', 'handler.js');

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

export function dashboardBuildIsStale(): boolean {
  if (!existsSync(HANDLER)) return true;
  const built = statSync(HANDLER).mtimeMs;
  return SOURCES.some((s) => newestMtime(join(ROOT, s)) > built);
}

export function buildDashboard(log: (l: string) => void): void {
  log('building the dashboard (vite build; about a minute on 2 cores)…');
  // Vite's own chatter (chunk timings) is kept back unless the build fails.
  const run = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'error'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (run.status !== 0) {
    process.stderr.write(run.stdout + run.stderr);
    throw new Error(`the dashboard build failed (vite build exited with ${run.status}); see the output above`);
  }
}
