// `oversight ingest --from-file` as users run it: a child process with its own data directory.
// Stdin is a real pipe here, which embedded chDB would otherwise take as INSERT data.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeClickHouse, getClickHouse, queryRows } from '../../clickhouse/client.ts';
import { loadEnv } from '../../config/env.ts';
import { line, output, usage } from './helpers/events.ts';
import { ROOT, tempDir } from './helpers/ingest.ts';

const dir = tempDir('cli');
afterAll(async () => {
  await closeClickHouse();
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[], stdin: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['bin/oversight.mjs', 'ingest', ...args], {
      cwd: ROOT,
      env: { ...process.env, OVERSIGHT_DATA_DIR: join(dir, 'db'), INGEST_BATCH_SIZE: '100' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('exit', (code) => resolve({ code, out }));
    p.stdin.end(stdin);
  });
}

describe('oversight ingest --from-file', () => {
  it('reads stdin and files, prints a summary, and stores each event once', async () => {
    const piped = [...Array.from({ length: 250 }, (_, i) => line(usage(i, 'cli'))), '{oops', line(usage(3, 'cli'))].join('\n');
    const a = await run(['--from-file', '-', '--topic', 'genai.usage.v1'], piped);
    expect(a.code, a.out).toBe(0);
    expect(a.out).toMatch(/done: read 252, inserted 250, duplicates 1, DLQ 1 in/);

    const file = join(dir, 'genai.outputs.v1-cli.ndjson');
    writeFileSync(file, Array.from({ length: 40 }, (_, i) => line(output(i, 'cli'))).join('\n'));
    const b = await run(['--from-file', file], '');
    expect(b.code, b.out).toBe(0);
    expect(b.out).toMatch(/done: read 40, inserted 40, duplicates 0, DLQ 0/);

    const c = await run(['--from-file', '-'], 'x');
    expect(c.code).toBe(2);
    expect(c.out).toContain('needs --topic');

    const client = await getClickHouse(loadEnv({ OVERSIGHT_DATA_DIR: join(dir, 'db') }));
    const [u] = await queryRows<{ n: number; src: string }>(client, `SELECT sum(requests) AS n FROM usage_daily WHERE model = 'm-cli'`);
    expect(Number(u.n)).toBe(250);
    const [e] = await queryRows<{ topic: string; offset: number }>(client, `SELECT topic, offset FROM ingest_errors FINAL`);
    expect(e).toEqual({ topic: 'stdin', offset: 251 });
    const [o] = await queryRows<{ n: number }>(client, `SELECT count() AS n FROM outputs WHERE src_topic = 'file:genai.outputs.v1-cli.ndjson'`);
    expect(o.n).toBe(40);
  });
});
