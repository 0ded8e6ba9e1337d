// Issue 9, items 1 and 8 for the file/stdin source: a bad line is one line's problem. The valid lines
// before and after it are stored, the bad one lands in ingest_errors with its original bytes, and the
// source never exits with a stack trace (a broken input ends in one FileSourceError line).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { queryRows } from '../../../clickhouse/client.ts';
import { loadEnv } from '../../../config/env.ts';
import { FileSourceError, ingestFiles, ingestStream } from '../../../pipelines/file-source.ts';
import { ndjsonLines } from '../../../pipelines/ndjson-lines.ts';
import { freshDb, type TestDb } from '../../helpers/chdb.ts';
import { line, usage } from '../../integration/helpers/events.ts';

let db: TestDb;
beforeAll(async () => {
  db = await freshDb('oversight-file-hostile-');
});
afterAll(async () => {
  await db.close();
});
const env = (extra: Record<string, string> = {}) => loadEnv({ OVERSIGHT_DATA_DIR: db.dir, INGEST_BATCH_SIZE: '50', INGEST_BATCH_MS: '20', ...extra });
async function n(sql: string): Promise<number> {
  const [r] = await queryRows<{ n: number }>(db.client, sql);
  return Number(r.n);
}

describe('file source with hostile lines', () => {
  it('item 1: stores the valid lines before and after a 5,000-deep line, which goes to ingest_errors', async () => {
    const deep = line(usage(50, 'fdeep')).replace(/}$/, `,"x":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`);
    const lines = [...Array.from({ length: 50 }, (_, i) => line(usage(i, 'fdeep'))), deep, ...Array.from({ length: 50 }, (_, i) => line(usage(100 + i, 'fdeep')))];
    const s = await ingestStream(db.client, Readable.from([lines.join('\n') + '\n']), { env: env(), topic: 'genai.usage.v1', sourceName: 'deep', log: () => {} });
    expect(s).toMatchObject({ read: 101, inserted: 100, rejected: 1 });
    expect(await n(`SELECT count() AS n FROM usage_events WHERE model = 'm-fdeep'`)).toBe(100);
    const [err] = await queryRows<{ offset: number; error: string }>(db.client, `SELECT offset, error FROM ingest_errors FINAL WHERE topic = 'deep'`);
    expect(err).toMatchObject({ offset: 51 });
    expect(err.error).toMatch(/^too_deep: /);
  });

  it('item 8: keeps the original bytes of a Shift_JIS line, and of CRLF and oversized lines, in ingest_errors', async () => {
    const sjis = Buffer.concat([Buffer.from('{"event_id":"x","note":"'), Buffer.from([0x93, 0xfa, 0x96, 0x7b]), Buffer.from('"}')]);
    const input = Buffer.concat([
      Buffer.from(line(usage(1, 'fsjis')) + '\r\n'),
      sjis,
      Buffer.from('\n'),
      Buffer.from(line(usage(2, 'fsjis', { pad: 'p'.repeat(5000) })) + '\n'),
      Buffer.from(line(usage(3, 'fsjis'))),
    ]);
    // Chunks split anywhere, even inside a multi-byte character.
    const chunks = [input.subarray(0, 30), input.subarray(30, 301), input.subarray(301)];
    const s = await ingestStream(db.client, Readable.from(chunks), { env: env({ INGEST_MAX_MESSAGE_BYTES: '2000' }), topic: 'genai.usage.v1', sourceName: 'sjis', log: () => {} });
    expect(s).toMatchObject({ read: 4, inserted: 2, rejected: 2 });
    const rows = await queryRows<{ offset: number; error: string; original_base64: string }>(
      db.client,
      `SELECT offset, error, original_base64 FROM ingest_errors FINAL WHERE topic = 'sjis' ORDER BY offset`,
    );
    expect(rows.map((r) => [r.offset, r.error.split(':')[0]])).toEqual([
      [2, 'invalid_utf8'],
      [3, 'oversized'],
    ]);
    expect(Buffer.from(rows[0].original_base64, 'base64').equals(sjis)).toBe(true);
    expect(rows[1].error).toContain(`${Buffer.byteLength(line(usage(2, 'fsjis', { pad: 'p'.repeat(5000) })))} bytes`);
  });

  it('a corrupt gzip ends in one FileSourceError line after storing what was read', async () => {
    const good = Array.from({ length: 30 }, (_, i) => line(usage(i, 'fgz'))).join('\n') + '\n';
    const gz = gzipSync(Buffer.from(good + good.replace(/fgz/g, 'fgz2')));
    const file = join(db.dir, 'genai.usage.v1-broken.ndjson.gz');
    writeFileSync(file, Buffer.concat([gz.subarray(0, gz.length - 40), Buffer.alloc(40, 0x42)]));
    const err = await ingestFiles(db.client, [file], { env: env(), log: () => {} }).catch((e) => e);
    expect(err).toBeInstanceOf(FileSourceError);
    expect(err.message).not.toContain('\n');
    expect(err.message).toContain('the lines before it are stored');
    expect(await n(`SELECT count() AS n FROM usage_events WHERE model = 'm-fgz'`)).toBe(30);
  });

  it('splits lines on bytes, bounding a long line to maxBytes + 1 while counting its length', async () => {
    const out = [];
    for await (const l of ndjsonLines(Readable.from([Buffer.from('ab\r\n'), Buffer.from('x'.repeat(100)), Buffer.from('y\n\nlast')]), 10)) out.push(l);
    expect(out.map((l) => [l.number, l.bytes.toString(), l.length])).toEqual([
      [1, 'ab', 2],
      [2, 'x'.repeat(11), 101],
      [3, '', 0],
      [4, 'last', 4],
    ]);
  });
});
