import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../../pipelines/rows.ts';
import { feedback, output, usage, line } from '../../integration/helpers/events.ts';

const MAX = 1_048_576;

describe('parseEvent', () => {
  it('accepts a usage event and builds its row and its key (the event_id alone)', () => {
    const ev = usage(3, 't');
    const r = parseEvent('usage', line(ev), MAX);
    if (!r.ok) throw new Error(r.reason);
    expect(r.row).toMatchObject({ event_id: 't-u-3', ministry: ev.ministry, input_tokens: ev.input_tokens, raw: '{}' });
    expect(r.key).toBe('t-u-3');
  });

  it('keeps unknown fields as JSON in raw', () => {
    const r = parseEvent('usage', line(usage(1, 't', { tenant: 'x', nested: { a: [1, 2] } })), MAX);
    if (!r.ok) throw new Error(r.reason);
    expect(JSON.parse(r.row.raw)).toEqual({ tenant: 'x', nested: { a: [1, 2] } });
  });

  it('normalises an offset timestamp to UTC, which decides the day of the row', () => {
    const r = parseEvent('usage', line(usage(1, 't', { occurred_at: '2026-11-02T08:30:00+09:00' })), MAX);
    if (!r.ok) throw new Error(r.reason);
    expect(r.row.occurred_at).toBe('2026-11-01T23:30:00.000Z');
  });

  it('serialises output sources and defaults a missing excerpt', () => {
    const r = parseEvent('outputs', line(output(2, 't', { sources: [{ id: 'a', title: 'T' }] })), MAX);
    if (!r.ok) throw new Error(r.reason);
    expect(JSON.parse((r.row as { sources: string }).sources)).toEqual([{ id: 'a', title: 'T', excerpt: '' }]);
  });

  it('keys feedback by output_id and leaves ministry for enrichment', () => {
    const r = parseEvent('feedback', line(feedback(4, 't', { comment: 'ok' })), MAX);
    if (!r.ok) throw new Error(r.reason);
    expect(r.key).toBe('t-o-4');
    expect(r.row).toMatchObject({ ministry: '', app: '', model: '', comment: 'ok', reason: '' });
  });

  it.each([
    ['empty', null, 'empty'],
    ['blank', '', 'empty'],
    ['invalid JSON', '{"event_id": ', 'invalid_json'],
    ['an array', '[1,2]', 'not_object'],
    ['null', 'null', 'not_object'],
    ['a string', '"x"', 'not_object'],
  ])('rejects %s', (_name, value, category) => {
    const r = parseEvent('usage', value, MAX);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.category).toBe(category);
      expect(r.reason.startsWith(`${category}: `)).toBe(true);
    }
  });

  it('names an unknown ministry', () => {
    const r = parseEvent('usage', line(usage(1, 't', { ministry: 'xyz' })), MAX);
    expect(r).toMatchObject({ ok: false, category: 'unknown_ministry' });
    if (!r.ok) expect(r.reason).toContain('"xyz"');
  });

  it('calls a missing ministry a schema error, not an unknown code "undefined"', () => {
    const r = parseEvent('usage', '{"event_id":"e8","input_tokens":"351"}', MAX);
    expect(r).toMatchObject({ ok: false, category: 'schema' });
    if (!r.ok) {
      expect(r.reason).toContain('ministry: required');
      expect(r.reason).not.toContain('unknown ministry code');
    }
  });

  it('lists the fields that break the schema', () => {
    const r = parseEvent('usage', line(usage(1, 't', { input_tokens: 'many', status: 'maybe', user_id: undefined })), MAX);
    expect(r).toMatchObject({ ok: false, category: 'schema' });
    if (!r.ok) {
      expect(r.reason).toContain('input_tokens');
      expect(r.reason).toContain('status');
      expect(r.reason).toContain('user_id');
    }
  });

  it('rejects counts that do not fit the UInt32 columns instead of failing the whole insert', () => {
    const r = parseEvent('usage', line(usage(1, 't', { latency_ms: 2 ** 33 })), MAX);
    expect(r).toMatchObject({ ok: false, category: 'schema' });
  });

  it('rejects timestamps outside DateTime64 range and without an offset', () => {
    expect(parseEvent('usage', line(usage(1, 't', { occurred_at: '2400-01-01T00:00:00Z' })), MAX)).toMatchObject({ ok: false, category: 'schema' });
    expect(parseEvent('usage', line(usage(1, 't', { occurred_at: '2026-11-01T00:00:00' })), MAX)).toMatchObject({ ok: false, category: 'schema' });
  });

  it('rejects messages above INGEST_MAX_MESSAGE_BYTES by their byte size', () => {
    const ev = line(output(1, 't', { response: '回'.repeat(400) })); // 3 bytes per character in UTF-8
    expect(parseEvent('outputs', ev, 1000)).toMatchObject({ ok: false, category: 'oversized' });
    expect(parseEvent('outputs', ev, 10_000).ok).toBe(true);
    expect(parseEvent('outputs', Buffer.from(ev), 1000)).toMatchObject({ ok: false, category: 'oversized' });
  });
});
