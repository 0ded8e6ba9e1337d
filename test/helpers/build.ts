// The built dashboard (build/) that `oversight serve` and the browser tests run: rebuilt when missing or
// older than the sources. Both the browser and the integration harness call it (integration tests run
// `oversight serve` for the OTLP receiver and the read API), and it runs synchronously, so two harnesses
// in one Vitest process never build at the same time.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Builds `appDir`'s dashboard unless build/ is newer than every source (OVERSIGHT_BROWSER_APP: never). */
export function ensureBuild(appDir: string, who: string): void {
  const entry = join(appDir, 'build/index.js');
  if (process.env.OVERSIGHT_BROWSER_APP) {
    if (!existsSync(entry)) throw new Error(`OVERSIGHT_BROWSER_APP=${appDir} has no build/index.js`);
    return;
  }
  const sources = ['src', 'contracts', 'clickhouse', 'config', 'svelte.config.js', 'vite.config.ts'].map((p) => join(ROOT, p)).filter(existsSync);
  const built = existsSync(entry) ? statSync(entry).mtimeMs : 0;
  if (built > Math.max(...sources.map(newestMtime))) return;
  console.error(`${who}: building the dashboard (npx vite build)…`);
  const run = spawnSync('npx', ['vite', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`npx vite build failed:\n${run.stderr.slice(-4000)}`);
}
