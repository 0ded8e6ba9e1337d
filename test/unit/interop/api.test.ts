import { describe, expect, it } from 'vitest';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { OPENAPI } from '../../../src/lib/server/api/openapi.ts';
import { rateLimited } from '../../../src/lib/server/api/rate-limit.ts';
import { toEvaluationResult } from '../../../src/lib/server/api/evaluation-results.ts';
import { parseIngestTokens, findIngestToken } from '../../../pipelines/otlp/tokens.ts';
import { routeDecision } from '../../../src/lib/server/auth/route-policy.ts';

const API_DIR = join(import.meta.dirname, '../../../src/routes/api/v1');
function routes(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...routes(p));
    else if (name === '+server.ts') out.push('/api/v1/' + relative(API_DIR, dir).replace(/\[(\w+)\]/g, '{$1}'));
  }
  return out;
}

describe('read API', () => {
  it('describes every route under src/routes/api/v1 in the OpenAPI document', () => {
    const found = routes(API_DIR).sort();
    expect(found.length).toBeGreaterThanOrEqual(6);
    expect(Object.keys(OPENAPI.paths).sort()).toEqual(found);
  });

  it('lets the API answer its own 401s instead of the sign-in redirect, and nothing else', () => {
    expect(routeDecision('/api/v1/overview', null)).toBe('public');
    expect(routeDecision('/api/v1', null)).toBe('public');
    expect(routeDecision('/api/v10/overview', null)).toBe('signin');
    expect(routeDecision('/api/overview', null)).toBe('signin');
  });

  it('limits each key per minute and says when to come back', () => {
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) expect(rateLimited('k1', 3, t0 + i)).toBeUndefined();
    expect(rateLimited('k1', 3, t0 + 10_000)).toBe(50);
    expect(rateLimited('k2', 3, t0 + 10_000)).toBeUndefined();
    expect(rateLimited('k1', 3, t0 + 60_000)).toBeUndefined();
  });

  it('shapes a flag as a gen_ai.evaluation.result event', () => {
    const e = toEvaluationResult({
      output_id: 'o1', evaluator: 'citations', evaluator_version: '1.1', category: 'hallucinated_citation', rule_id: 'unknown_article',
      severity: 'high', confidence: 0.9, explanation: '民法に第1200条はありません', ministry: 'mof', app: 'chat', model: 'm',
      output_at: '2026-11-01 00:00:00.000', evaluated_at: '2026-11-01 00:01:00.000', response_id: '', trace_id: '', span_id: '',
    });
    expect(e).toEqual({
      name: 'gen_ai.evaluation.result',
      time: '2026-11-01 00:01:00.000',
      attributes: expect.objectContaining({
        'gen_ai.evaluation.name': 'oversight.citations',
        'gen_ai.evaluation.score.label': 'hallucinated_citation',
        'gen_ai.evaluation.score.value': 0.9,
        'gen_ai.evaluation.explanation': '民法に第1200条はありません',
        'gen_ai.response.id': 'o1',
      }),
    });
  });
});

describe('OTLP ingest tokens', () => {
  it('parses scopes and finds a token by its value only', () => {
    const tokens = parseIngestTokens('platform:aaaaaaaaaaaaaaaa1, mof:bbbbbbbbbbbbbbbb2');
    expect(tokens.map((t) => t.scope)).toEqual(['platform', 'mof']);
    expect(findIngestToken(tokens, 'bbbbbbbbbbbbbbbb2')?.scope).toBe('mof');
    expect(findIngestToken(tokens, 'bbbbbbbbbbbbbbbb3')).toBeUndefined();
  });
  it.each([
    ['atlantis:aaaaaaaaaaaaaaaa', /unknown scope "atlantis"/],
    ['platform:short', /16 characters or more/],
    ['justatoken', /scope:token/],
  ])('refuses %s with one line', (spec, message) => {
    expect(() => parseIngestTokens(spec)).toThrow(message);
  });
});
