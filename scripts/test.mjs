#!/usr/bin/env node
// `npm test`: runs every Vitest project (unit, integration on a real Kafka broker and chDB, browser
// tests in Debian's Chromium), then prints one closing line "tests: N passed, N failed, N skipped"
// that CI reads. Extra arguments go to Vitest (e.g. `npm test -- --project unit`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// tsconfig.json extends .svelte-kit/tsconfig.json, which `svelte-kit sync` writes (npm install's
// prepare script runs it; this covers `npm install --ignore-scripts` and a deleted .svelte-kit).
const sync = spawnSync('npx', ['svelte-kit', 'sync'], { stdio: 'inherit' });
if (sync.status !== 0) {
  console.error('svelte-kit sync failed; the tests need .svelte-kit/tsconfig.json');
  process.exit(sync.status || 1);
}

const out = join(mkdtempSync(join(tmpdir(), 'oversight-test-')), 'results.json');
const args = ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)];
const run = spawnSync('npx', args, { stdio: 'inherit' });
if (!existsSync(out)) {
  console.error('vitest wrote no results; see the output above');
  process.exit(run.status || 1);
}
const r = JSON.parse(readFileSync(out, 'utf8'));
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`\ntests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
if (r.numTotalTests === 0) {
  console.error('no test ran');
  process.exit(1);
}
process.exit(run.status ?? 1);
