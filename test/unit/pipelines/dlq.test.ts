import { describe, expect, it } from 'vitest';
import { DlqMessage } from '../../../contracts/events.ts';
import { DLQ_MAX_ORIGINAL_BYTES, dlqKey, ingestErrorRow, toDlqMessage } from '../../../pipelines/dlq.ts';
import { backoffDelay } from '../../../pipelines/retry.ts';

describe('DLQ messages', () => {
  const src = { topic: 'genai.usage.v1', partition: 2, offset: '41' };

  it('carry the original bytes, the source position and the reason, valid per the contract', () => {
    const m = toDlqMessage(src, Buffer.from('{broken'), 'invalid_json: x', new Date('2026-11-01T00:00:00Z'));
    expect(DlqMessage.parse(m)).toEqual(m);
    expect(Buffer.from(m.original_base64, 'base64').toString()).toBe('{broken');
    expect(m).toMatchObject({ topic: 'genai.usage.v1', partition: 2, offset: '41', error: 'invalid_json: x', failed_at: '2026-11-01T00:00:00.000Z' });
    expect(dlqKey(m)).toBe('genai.usage.v1/2/41');
  });

  it('cut an oversized original and say where the full message is', () => {
    const big = Buffer.alloc(DLQ_MAX_ORIGINAL_BYTES + 10, 0x61);
    const m = toDlqMessage(src, big, 'oversized: too big');
    expect(Buffer.from(m.original_base64, 'base64').length).toBe(DLQ_MAX_ORIGINAL_BYTES);
    expect(m.error).toContain('genai.usage.v1/2/41');
  });

  it('become ingest_errors rows that keep the Kafka key (null without one, as from a file)', () => {
    const keyed = ingestErrorRow(toDlqMessage({ ...src, key: Buffer.from([0xff, 0x00, 0x41]) }, null, 'empty: tombstone'));
    expect(keyed).toMatchObject({ topic: 'genai.usage.v1', partition: 2, offset: 41, error: 'empty: tombstone', original_base64: '' });
    expect(Buffer.from(keyed.key_base64!, 'base64')).toEqual(Buffer.from([0xff, 0x00, 0x41]));
    expect(ingestErrorRow(toDlqMessage(src, '{', 'invalid_json: x')).key_base64).toBeNull();
    expect(ingestErrorRow(toDlqMessage({ ...src, key: '' }, '{', 'invalid_json: x')).key_base64).toBe('');
  });

  it('keep an empty message as empty bytes', () => {
    expect(toDlqMessage(src, null, 'empty: no value').original_base64).toBe('');
  });
});

describe('retry backoff', () => {
  it('doubles up to the cap, with jitter in the upper half', () => {
    const p = { initialMs: 100, maxMs: 1000 };
    expect(backoffDelay(1, p, () => 0)).toBe(50);
    expect(backoffDelay(1, p, () => 1)).toBe(100);
    expect(backoffDelay(3, p, () => 1)).toBe(400);
    expect(backoffDelay(10, p, () => 1)).toBe(1000);
  });
});
