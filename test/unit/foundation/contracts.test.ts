import { describe, expect, it } from 'vitest';
import { FeedbackEvent, OutputEvent, UsageEvent, MINISTRY_CODES, plannedUsers } from '../../../contracts/index.ts';
import { splitUnknown } from '../../helpers/split-unknown.ts';
import { jsonSchemas } from '../../../cli/commands/schemas.ts';

const usage = {
  event_id: 'e-1', occurred_at: '2026-10-01T09:00:00+09:00', ministry: 'mof', user_id: 'u-1', session_id: 's-1',
  request_id: 'r-1', app: 'chat', model: 'cotomi-v3', input_tokens: 10, output_tokens: 20, latency_ms: 800, status: 'ok',
};

describe('event contracts', () => {
  it('accepts a valid usage event and keeps unknown fields apart', () => {
    const parsed = UsageEvent.parse({ ...usage, client_version: '1.2' });
    const { known, unknown } = splitUnknown(UsageEvent, parsed);
    expect(unknown).toEqual({ client_version: '1.2' });
    expect(known.event_id).toBe('e-1');
  });

  it('rejects an unknown ministry with a message naming it', () => {
    const r = UsageEvent.safeParse({ ...usage, ministry: 'xyz' });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0].message).toContain('"xyz"');
  });

  it('rejects timestamps that are not RFC 3339 and negative counts', () => {
    expect(UsageEvent.safeParse({ ...usage, occurred_at: '2026/10/01 09:00' }).success).toBe(false);
    expect(UsageEvent.safeParse({ ...usage, latency_ms: -1 }).success).toBe(false);
    expect(UsageEvent.safeParse({ ...usage, status: 'weird' }).success).toBe(false);
  });

  it('defaults missing sources and excerpts on outputs', () => {
    const o = OutputEvent.parse({
      output_id: 'o-1', request_id: 'r-1', occurred_at: '2026-10-01T00:00:00Z', ministry: 'da', app: 'legal_research',
      model: 'm', user_id: 'u', language: 'ja', confidentiality_level: 2, prompt: 'p', response: 'r',
    });
    expect(o.sources).toEqual([]);
    const withSource = OutputEvent.parse({ ...o, sources: [{ id: '1', title: 't' }] });
    expect(withSource.sources[0].excerpt).toBe('');
  });

  it('validates feedback ratings', () => {
    const base = { output_id: 'o', occurred_at: '2026-10-01T00:00:00Z' };
    expect(FeedbackEvent.safeParse({ ...base, rating: 'down', reason: 'wrong' }).success).toBe(true);
    expect(FeedbackEvent.safeParse({ ...base, rating: 'meh' }).success).toBe(false);
  });

  it('carries every ministry of the reference list and lets planned users be overridden', () => {
    expect(MINISTRY_CODES).toContain('mhlw');
    expect(MINISTRY_CODES.length).toBe(22);
    const planned = plannedUsers({ mof: 1 });
    expect(planned.get('mof')).toBe(1);
    expect(planned.get('mhlw')).toBe(30000);
  });

  it('exports JSON Schema that requires the contract fields', () => {
    const schemas = jsonSchemas() as Record<string, { required?: string[] }>;
    expect(schemas['genai.usage.v1.schema.json'].required).toContain('event_id');
    expect(schemas['genai.outputs.v1.schema.json'].required).toContain('response');
    expect(schemas['genai.outputs.v1.schema.json'].required).not.toContain('sources');
  });
});
