// Issue 9 items 12 and 13: error texts of dead-lettered messages never carry raw text to a role that
// may not read it (on /pipeline and in its CSV, both through dlqSamples), and what shows or exports
// raw text leaves an audit row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { rawFreeError } from '../../../src/lib/server/raw-free-error.ts';
import { parseEvent } from '../../../pipelines/rows.ts';
import { toDlqMessage, writeIngestErrors } from '../../../pipelines/dlq.ts';
import { dlqSamples } from '../../../src/lib/server/queries/pipeline.ts';
import { recordExport, type RequestLike } from '../../../src/lib/server/audit.ts';
import { TABLES } from '../../../src/lib/server/queries/tables.ts';
import { freshDb, type TestDb } from '../../helpers/chdb.ts';

// Producer text a reader must not learn: letters, digits and Japanese, at least 6 characters.
const secret = fc
  .array(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789秘密漏洩東京都氏名住所'), { minLength: 6, maxLength: 24 })
  .map((cs) => cs.join(''))
  // Not something the raw-free text may legitimately say (a field name, a category, "position").
  .filter((s) => !/^(schema|position|other|occurred_at|invalid_json|ministry)/i.test(s));

const valid = {
  event_id: 'e1', occurred_at: '2026-11-01T00:00:00.000Z', ministry: 'mof', user_id: 'u', session_id: 's', request_id: 'r',
  app: 'chat', model: 'm', input_tokens: 1, output_tokens: 1, latency_ms: 1, status: 'ok',
};

/** Bad messages of every kind the ingester rejects, each carrying the secret somewhere. */
const badMessages = (s: string): string[] => [
  `{"event_id": ${s}}`, // the parse error quotes the text around the error point
  `{"prompt":"${s}", oops}`,
  `${s}`,
  JSON.stringify({ ...valid, ministry: s }), // unknown ministry code "<secret>"
  JSON.stringify({ ...valid, occurred_at: `2026-11-01T00:00:00Z${s}` }),
  JSON.stringify({ ...valid, input_tokens: s }),
  JSON.stringify({ ...valid, app: `App ${s}` }), // never a lower-case identifier (a secret like "abcdef" alone is a valid app)
  JSON.stringify({ ...valid, status: s }),
  JSON.stringify({ ...valid, [s]: { [s]: 1 }, model: 5 }),
  JSON.stringify([s]),
];

describe('rawFreeError', () => {
  it('never passes on producer text from any rejected message (property, real parser)', () => {
    fc.assert(
      fc.property(secret, (s) => {
        for (const message of badMessages(s)) {
          const result = parseEvent('usage', message, 1_048_576);
          expect(result.ok).toBe(false);
          if (result.ok) continue;
          const shown = rawFreeError(toDlqMessage({ topic: 't', partition: 0, offset: '1' }, message, result.reason).error);
          expect(shown, message).not.toContain(s);
          expect(shown.startsWith(result.category)).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('keeps only the category, known field names and positions of any error text', () => {
    const shape = /^[a-z][a-z0-9_]*( \((?:[a-z_]+(?:\.(?:[a-z_]+|\d+))*|position \d+|line \d+ column \d+)(?:, (?:[a-z_]+(?:\.(?:[a-z_]+|\d+))*|position \d+|line \d+ column \d+))*\))?$/;
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), (head, tail) => {
        for (const error of [head, `schema: ${head}`, `invalid_json: ${head} at position 12 ${tail}`, `schema: prompt: ${head}; ${tail}: x`]) {
          const shown = rawFreeError(error);
          expect(shown).toMatch(shape);
          const fields = /\((.*)\)/.exec(shown)?.[1].split(', ') ?? [];
          for (const f of fields) expect(/^(position|line) /.test(f) || !error.includes(f) || error.includes(`${f}:`)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
    expect(rawFreeError(`invalid_json: Unexpected token 's', "{"a": secret tex"... is not valid JSON`)).toBe('invalid_json');
    expect(rawFreeError('invalid_json: Expected \',\' or \'}\' after property value in JSON at position 6 (line 1 column 7)')).toBe('invalid_json (position 6, line 1 column 7)');
    expect(rawFreeError('schema: input_tokens: Invalid input: expected number; sources.0.url: too long')).toBe('schema (input_tokens, sources.0.url)');
    expect(rawFreeError('unknown_ministry: unknown ministry code "秘密"')).toBe('unknown_ministry');
    expect(rawFreeError('ClickHouse said: "秘密"')).toBe('other');
  });
});

let db: TestDb;
beforeAll(async () => {
  db = await freshDb('oversight-rawfree-');
});
afterAll(async () => {
  await db?.close();
});

const requestBy = (role: 'admin' | 'leadership'): RequestLike => ({
  locals: { user: { username: `${role}1`, display_name: role, role, ministry: null } },
  request: new Request('http://localhost/export/pipeline-dlq-samples', { headers: { 'user-agent': 'test' } }),
  getClientAddress: () => '192.0.2.7',
});

describe('dead letters on /pipeline and in its CSV', () => {
  it('show leadership the reason without the quoted text; admin and reviewers the full error and original', async () => {
    const message = '{"prompt": 出張申請の氏名は山田太郎 and more}';
    const result = parseEvent('outputs', message, 1_048_576);
    if (result.ok) throw new Error('expected a reject');
    await writeIngestErrors(db.client, [toDlqMessage({ topic: 'genai.outputs.v1', partition: 0, offset: '7' }, message, result.reason)]);

    for (const rows of [await dlqSamples(db.client, false), await TABLES['pipeline-dlq-samples'].rows({ client: db.client, rawText: false } as never)]) {
      const text = JSON.stringify(rows);
      expect(text).not.toContain('山田');
      expect(text).not.toContain('出張');
      expect((rows[0] as { error: string }).error).toBe('invalid_json');
    }
    const full = await dlqSamples(db.client, true);
    expect(full[0].error).toBe(result.reason);
    expect(full[0].original).toContain('山田太郎');
  });

  it('list the Kafka key of each dead letter (migration 0170) to roles that may read raw text, none for files', async () => {
    const at = (s: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, s));
    await writeIngestErrors(db.client, [
      toDlqMessage({ topic: 'genai.usage.v1', partition: 3, offset: '70', key: 'user-秘密-7' }, null, 'empty: no value', at(1)),
      toDlqMessage({ topic: 'genai.usage.v1', partition: 3, offset: '71', key: Buffer.alloc(0) }, '{', 'invalid_json: x', at(2)),
      toDlqMessage({ topic: 'file:events.jsonl', partition: 0, offset: '5' }, '{', 'invalid_json: y', at(3)),
    ]);
    const stored = await db.client.query({ query: "SELECT offset, key_base64 FROM ingest_errors FINAL WHERE topic IN ('genai.usage.v1', 'file:events.jsonl') AND offset IN (70, 71, 5) ORDER BY offset", format: 'JSONEachRow' });
    expect(await stored.json()).toEqual([
      { offset: 5, key_base64: null },
      { offset: 70, key_base64: Buffer.from('user-秘密-7').toString('base64') },
      { offset: 71, key_base64: '' },
    ]);
    const full = await dlqSamples(db.client, true);
    expect(full.slice(0, 3).map((s) => [s.topic, s.offset, s.key])).toEqual([
      ['file:events.jsonl', 5, null],
      ['genai.usage.v1', 71, ''],
      ['genai.usage.v1', 70, 'user-秘密-7'],
    ]);
    for (const rows of [await dlqSamples(db.client, false), await TABLES['pipeline-dlq-samples'].rows({ client: db.client, rawText: false } as never)]) {
      expect(JSON.stringify(rows)).not.toContain('秘密');
      expect(rows.every((r) => (r as { key: unknown }).key === null)).toBe(true);
    }
  });
});

describe('export audit', () => {
  it('records who exported which table, with the filters and the row count', async () => {
    await recordExport(db.client, requestBy('admin'), { table: 'pipeline-dlq-samples', raw: true, filters: 'from=2026-11-01&to=2026-11-30', rows: 3 });
    await recordExport(db.client, requestBy('leadership'), { table: 'overview-daily', raw: false, filters: 'x'.repeat(5000), rows: 30, ministry: 'mof' });
    const rs = await db.client.query({ query: 'SELECT actor, role, action, target, ministry, ip, detail FROM audit_log ORDER BY actor', format: 'JSONEachRow' });
    const rows = await rs.json<{ actor: string; role: string; action: string; target: string; ministry: string; ip: string; detail: string }>();
    expect(rows.map(({ detail, ...r }) => r)).toEqual([
      { actor: 'admin1', role: 'admin', action: 'export_raw', target: 'pipeline-dlq-samples', ministry: '', ip: '192.0.2.7' },
      { actor: 'leadership1', role: 'leadership', action: 'export_table', target: 'overview-daily', ministry: 'mof', ip: '192.0.2.7' },
    ]);
    expect(JSON.parse(rows[0].detail)).toEqual({ table: 'pipeline-dlq-samples', filters: 'from=2026-11-01&to=2026-11-30', rows: 3 });
    expect(JSON.parse(rows[1].detail).filters).toHaveLength(1000);
  });

  it('marks the dead-letter table as raw only for roles that may read raw text, and no aggregate table as raw', () => {
    expect(TABLES['pipeline-dlq-samples'].rawText?.({ rawText: true })).toBe(true);
    expect(TABLES['pipeline-dlq-samples'].rawText?.({ rawText: false })).toBe(false);
    for (const [id, spec] of Object.entries(TABLES)) if (id !== 'pipeline-dlq-samples') expect('rawText' in spec, id).toBe(false);
  });
});
