// Issue 9, item 10: `oversight ingest` on a data directory another process holds prints exactly one line
// and exits 2, as README promises (chDB's own lock message used to come first, or a stack trace).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshDb, type TestDb } from '../../helpers/chdb.ts';
import { ROOT } from '../../integration/helpers/ingest.ts';
import { line, usage } from '../../integration/helpers/events.ts';

let db: TestDb;
beforeAll(async () => {
  db = await freshDb('oversight-locked-'); // this test process holds the directory
});
afterAll(async () => {
  await db.close();
});

describe('a data directory in use', () => {
  it('gives one line naming the holder and exit code 2', async () => {
    const file = join(db.dir, '..', `genai.usage.v1-locked-${process.pid}.ndjson`);
    writeFileSync(file, line(usage(1, 'locked')) + '\n');
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn(process.execPath, ['bin/oversight.mjs', 'ingest', '--from-file', file], {
        cwd: ROOT,
        env: { ...process.env, OVERSIGHT_DATA_DIR: db.dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      p.stdout.on('data', (d) => (text += d));
      p.stderr.on('data', (d) => (text += d));
      p.on('exit', (c) => resolve({ code: c, out: text }));
    }).finally(() => rmSync(file, { force: true }));
    expect(code, out).toBe(2);
    const lines = out.split('\n').filter((l) => l.trim() !== '');
    expect(lines, out).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^oversight: the embedded database at .* is in use by another process \\(pid ${process.pid}\\)`));
  });
});
