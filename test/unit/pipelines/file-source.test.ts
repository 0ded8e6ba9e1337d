// The file/stdin source: topic from the file name, same path as Kafka, progress and summary counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { closeClickHouse, getClickHouse, queryRows, type ClickHouseClient } from '../../../clickhouse/client.ts';
import { loadEnv } from '../../../config/env.ts';
import { migrate } from '../../../clickhouse/migrate.ts';
import { FileSourceError, ingestFiles, ingestStream, kindForFile } from '../../../pipelines/file-source.ts';
import { feedback, line, output, usage } from '../../integration/helpers/events.ts';

let dir: string;
let client: ClickHouseClient;
const env = () => loadEnv({ OVERSIGHT_DATA_DIR: dir, INGEST_BATCH_SIZE: '50', INGEST_BATCH_MS: '20' });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'oversight-file-unit-'));
  client = await getClickHouse(env());
  await migrate(client, { rawTextTtlDays: 400 });
});
afterAll(async () => {
  await closeClickHouse();
  rmSync(dir, { recursive: true, force: true });
});

describe('kindForFile', () => {
  it('reads the topic from the file name or --topic', () => {
    expect(kindForFile('/x/genai.usage.v1-2026-11.ndjson')).toBe('usage');
    expect(kindForFile('genai.feedback.v1.ndjson.gz')).toBe('feedback');
    expect(kindForFile('dump.ndjson', 'genai.outputs.v1')).toBe('outputs');
    expect(() => kindForFile('dump.ndjson')).toThrow(FileSourceError);
    expect(() => kindForFile('dump.ndjson', 'genai.nope')).toThrow(/unknown topic/);
  });
});

describe('ingestFiles', () => {
  it('ingests files (plain and gzip) in kind order, so feedback finds its outputs, and sums the counts', async () => {
    const fb = join(dir, 'genai.feedback.v1-a.ndjson');
    const out = join(dir, 'genai.outputs.v1-a.ndjson.gz');
    const us = join(dir, 'genai.usage.v1-a.ndjson');
    writeFileSync(fb, Array.from({ length: 30 }, (_, i) => line(feedback(i, 'files'))).join('\n') + '\n');
    writeFileSync(out, gzipSync(Array.from({ length: 40 }, (_, i) => line(output(i, 'files'))).join('\r\n')));
    const usageLines = Array.from({ length: 120 }, (_, i) => line(usage(i % 100, 'files'))); // 20 repeats
    usageLines.splice(7, 0, '', 'not json');
    writeFileSync(us, usageLines.join('\n'));
    const progress: number[] = [];
    const s = await ingestFiles(client, [fb, out, us], { env: env(), onProgress: (p) => progress.push(p.read) });
    expect(s).toMatchObject({ read: 191, inserted: 170, duplicates: 20, rejected: 1 });
    const [fbRow] = await queryRows<{ n: number; empty: number }>(
      client,
      `SELECT count() AS n, countIf(ministry = '') AS empty FROM feedback FINAL WHERE output_id LIKE 'files-%'`,
    );
    expect(fbRow).toEqual({ n: 30, empty: 0 });
    const [err] = await queryRows<{ topic: string; offset: number }>(client, `SELECT topic, offset FROM ingest_errors FINAL WHERE topic LIKE 'file:genai.usage%'`);
    expect(err).toEqual({ topic: 'file:genai.usage.v1-a.ndjson', offset: 9 }); // line number in the file
  });

  it('ingests a stream with a given topic', async () => {
    const body = Readable.from([Array.from({ length: 10 }, (_, i) => line(usage(i, 'stream'))).join('\n')]);
    const s = await ingestStream(client, body, { env: env(), topic: 'genai.usage.v1', sourceName: 'stdin' });
    expect(s).toMatchObject({ read: 10, inserted: 10 });
    const [r] = await queryRows<{ n: number }>(client, `SELECT sum(requests) AS n FROM usage_daily WHERE model = 'm-stream'`);
    expect(Number(r.n)).toBe(10);
  });
});
