// Issue 9, ingestion items 1, 2, 3, 4, 8, 9, 10: what a bad producer sends is bounded and rejected with
// a reason, per event, before it can reach JSON.stringify or ClickHouse. Each named case failed on the
// code before the fix; the properties check the bounds on random input.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { STORE_DAY_RANGE } from '../../../contracts/dates.ts';
import { DlqMessage } from '../../../contracts/events.ts';
import { DLQ_MAX_ORIGINAL_BYTES, DLQ_MAX_REQUEST_BYTES, dlqKey, dlqRequests, toDlqMessage } from '../../../pipelines/dlq.ts';
import { illFormedStringPath, jsonDeeperThan, MAX_JSON_DEPTH } from '../../../pipelines/input-bounds.ts';
import { parseEvent } from '../../../pipelines/rows.ts';
import { line, output, usage } from '../../integration/helpers/events.ts';

const MAX = 1_048_576;
const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

describe('issue 9 regressions: one message never throws, and is rejected with a reason', () => {
  it('item 1: an unknown field nested 5,000 levels deep is rejected as too_deep, not thrown from JSON.stringify', () => {
    const text = line(usage(1, 'deep')).replace(/}$/, `,"extra":${nested(5000)}}`);
    const r = parseEvent('usage', text, MAX);
    expect(r).toMatchObject({ ok: false, category: 'too_deep' });
    // Deep arrays and a depth just over the bound too; the bound itself is accepted.
    expect(parseEvent('usage', line(usage(1, 'deep')).replace(/}$/, `,"x":${'['.repeat(200_000)}`), MAX)).toMatchObject({ category: 'too_deep' });
    expect(parseEvent('usage', line(usage(1, 'd', { x: JSON.parse(nested(MAX_JSON_DEPTH)) })), MAX)).toMatchObject({ category: 'too_deep' });
    expect(parseEvent('usage', line(usage(1, 'd', { x: JSON.parse(nested(MAX_JSON_DEPTH - 1)) })), MAX).ok).toBe(true);
  });

  it('item 2: a lone surrogate escape ("bad \\ud800") is rejected at validation, in values and in keys', () => {
    const inModel = line(usage(1, 's')).replace('"model":"m-s"', '"model":"bad \\ud800"');
    expect(inModel).toContain('\\ud800');
    const r = parseEvent('usage', inModel, MAX);
    expect(r).toMatchObject({ ok: false, category: 'invalid_string' });
    if (!r.ok) expect(r.reason).toContain('model');
    expect(parseEvent('usage', line(usage(1, 's')).replace(/}$/, ',"k\\udc00":1}'), MAX)).toMatchObject({ category: 'invalid_string' });
    expect(parseEvent('usage', line(usage(1, 's', { nested: ['ok', { x: 'lone \ud83d' }] })), MAX)).toMatchObject({ category: 'invalid_string' });
    // A surrogate pair, escaped or not, is text.
    expect(parseEvent('usage', line(usage(1, 's', { model: 'ok 😀 \\ud83d\\ude00'.replace(/\\\\/g, '\\') })), MAX).ok).toBe(true);
    expect(parseEvent('usage', line(usage(1, 's')).replace('"model":"m-s"', '"model":"\\ud83d\\ude00"'), MAX).ok).toBe(true);
  });

  it('item 4: a timestamp the schema accepts but the store cannot hold is rejected, with the store range in the message', () => {
    for (const at of ['1969-12-31T23:59:59Z', '1900-01-01T00:00:00Z', '2149-06-07T00:00:00Z', '2299-12-31T23:59:59Z', '2106-01-01T00:00:00.000Z']) {
      const r = parseEvent('usage', line(usage(1, 't', { occurred_at: at })), MAX);
      expect(r, at).toMatchObject({ ok: false, category: 'schema' });
      if (!r.ok) {
        expect(r.reason).toContain(STORE_DAY_RANGE);
        expect(r.reason).not.toContain('1900-01-01..2299-12-31');
      }
    }
    for (const at of ['1970-01-01T00:00:00Z', '2105-12-31T23:59:59.999Z', '2026-11-02T08:30:00+09:00']) {
      expect(parseEvent('usage', line(usage(1, 't', { occurred_at: at })), MAX).ok, at).toBe(true);
    }
  });

  it('item 8: bytes that are not UTF-8 (Shift_JIS, 0xFF) are rejected as invalid_utf8, not stored as U+FFFD', () => {
    const sjis = Buffer.concat([Buffer.from(line(usage(1, 'j')).slice(0, -1) + ',"note":"'), Buffer.from([0x93, 0xfa, 0x96, 0x7b]), Buffer.from('"}')]);
    expect(parseEvent('usage', sjis, MAX)).toMatchObject({ ok: false, category: 'invalid_utf8' });
    expect(parseEvent('usage', Buffer.concat([Buffer.from(line(usage(1, 'j'))), Buffer.from([0xff])]), MAX)).toMatchObject({ category: 'invalid_utf8' });
    // The DLQ keeps the bytes as they were.
    const m = toDlqMessage({ topic: 't', partition: 0, offset: '7' }, sjis, 'invalid_utf8: x');
    expect(Buffer.from(m.original_base64, 'base64').equals(sjis)).toBe(true);
    // Valid multi-byte UTF-8 is accepted.
    expect(parseEvent('outputs', Buffer.from(line(output(1, 'j', { prompt: '日本語の質問' }))), MAX).ok).toBe(true);
  });

  it('item 9: unknown fields named constructor, toString, valueOf, hasOwnProperty and __proto__ are kept in raw', () => {
    const extra = '"constructor":"c","toString":"t","valueOf":1,"hasOwnProperty":true,"__proto__":{"polluted":1}';
    const r = parseEvent('usage', line(usage(1, 'p')).replace(/}$/, `,${extra}}`), MAX);
    if (!r.ok) throw new Error(r.reason);
    expect(JSON.parse(r.row.raw)).toEqual(JSON.parse(`{${extra}}`));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('item 12 (source side): a JSON syntax error does not quote the message text in its reason', () => {
    const r = parseEvent('usage', '{"prompt":"secret text" oops', MAX);
    expect(r).toMatchObject({ ok: false, category: 'invalid_json' });
    if (!r.ok) expect(r.reason).not.toContain('secret');
    const bad = parseEvent('usage', 'secret-token-1234', MAX);
    if (!bad.ok) expect(bad.reason).not.toContain('secret-token');
  });

  it('item 3: an oversize original is cut with its length and SHA-256 kept, and DLQ requests stay under the cap', () => {
    const big = Buffer.alloc(3 * DLQ_MAX_ORIGINAL_BYTES, 0x61);
    const m = toDlqMessage({ topic: 'genai.usage.v1', partition: 1, offset: '9' }, big, 'oversized: x');
    expect(DlqMessage.parse(m)).toEqual(m);
    expect(m.original_bytes).toBe(big.length);
    expect(m.original_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.error).toContain(m.original_sha256);
    expect(JSON.stringify(m).length).toBeLessThan(DLQ_MAX_REQUEST_BYTES);
    // 3,000 rejects of a typical size, as in the attack: several requests, each under the cap, none lost.
    const rejects = Array.from({ length: 3000 }, (_, i) =>
      toDlqMessage({ topic: 'genai.usage.v1', partition: 0, offset: String(i) }, line(usage(i, 'x', { input_tokens: '351', pad: 'p'.repeat(300) })), 'schema: input_tokens'),
    );
    const requests = dlqRequests(rejects.map((r) => ({ key: dlqKey(r), value: JSON.stringify(r) })));
    expect(requests.length).toBeGreaterThan(1);
    expect(requests.flat()).toHaveLength(3000);
    for (const req of requests) expect(req.reduce((s, x) => s + x.key.length + x.value.length, 0)).toBeLessThanOrEqual(DLQ_MAX_REQUEST_BYTES);
  });

  it('a reason cut inside a surrogate pair stays well-formed, so ingest_errors cannot refuse it', () => {
    const r = parseEvent('usage', line(usage(1, 'q', { ministry: '😀'.repeat(30) })), MAX);
    expect(r).toMatchObject({ ok: false, category: 'unknown_ministry' });
    if (!r.ok) expect(toDlqMessage({ topic: 't', partition: 0, offset: '1' }, 'x', r.reason).error.isWellFormed()).toBe(true);
    expect(toDlqMessage({ topic: 't', partition: 0, offset: '1' }, 'x', `schema: ${'😀'.repeat(5000)}`).error.isWellFormed()).toBe(true);
  });

  it('item 10: the DLQ entry for a tombstone keeps its key', () => {
    const m = toDlqMessage({ topic: 't', partition: 2, offset: '5', key: Buffer.from('user-42') }, null, 'empty: the message has no value');
    expect(m.original_base64).toBe('');
    expect(Buffer.from(m.key_base64!, 'base64').toString()).toBe('user-42');
    expect(toDlqMessage({ topic: 't', partition: 2, offset: '5' }, null, 'empty').key_base64).toBeUndefined();
  });
});

describe('input bounds on random input', () => {
  const depthOf = (v: unknown): number =>
    v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v as object).map(depthOf)) : 0;

  it('jsonDeeperThan agrees with the real nesting depth of any JSON value, whatever its strings hold', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), fc.integer({ min: 0, max: 14 }), (value, max) => {
        const text = JSON.stringify(value);
        expect(jsonDeeperThan(text, max)).toBe(depthOf(value) > max);
      }),
      { numRuns: 500 },
    );
  });

  it('parseEvent never throws and always gives a row or a categorised reason, for any bytes or text', () => {
    const kinds = fc.constantFrom('usage' as const, 'outputs' as const, 'feedback' as const);
    const values = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v) ?? 'null'),
      fc.record({ extra: fc.jsonValue({ maxDepth: 4 }), ministry: fc.constantFrom('mof', 'xx', 'constructor') }).map((o) => line(usage(1, 'f', o))),
    );
    fc.assert(
      fc.property(kinds, values, (kind, value) => {
        const r = parseEvent(kind, value, 10_000);
        if (r.ok) {
          expect(r.key.length).toBeGreaterThan(0);
          for (const v of Object.values(r.row)) if (typeof v === 'string') expect(v.isWellFormed()).toBe(true);
        } else expect(r.reason.startsWith(`${r.category}: `)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('illFormedStringPath finds a lone surrogate anywhere in a parsed value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), fc.constantFrom('\ud800', '\udfff', '\udbff'), (value, lone) => {
        const text = JSON.stringify({ v: value, deep: [{ s: `x${lone}` }] });
        expect(illFormedStringPath(JSON.parse(text), text)).toBe('deep[0].s');
        const clean = JSON.stringify({ v: value }); // fc.jsonValue's strings are well-formed
        expect(illFormedStringPath(JSON.parse(clean), clean)).toBeNull();
      }),
      { numRuns: 300 },
    );
  });
});
