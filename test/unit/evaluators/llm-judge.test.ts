// The optional LLM judge against a local OpenAI-compatible HTTP endpoint: off by default, adds
// findings the rules missed, and a failing endpoint never loses the rule flags.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlmJudge, llmJudgeConfigFromEnv, LlmJudgeConfigError } from '../../../evaluators/llm-judge.ts';
import { createPolicyEvaluator } from '../../../evaluators/policy.ts';
import type { EvaluatorInput } from '../../../evaluators/types.ts';

let server: Server;
let url = '';
const seen: { model: string; auth?: string; user: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      const parsed = JSON.parse(body);
      const user = parsed.messages[1].content as string;
      seen.push({ model: parsed.model, auth: req.headers.authorization, user });
      if (user.includes('FAIL')) {
        res.writeHead(500).end('boom');
        return;
      }
      const violation = user.includes('Korean flag');
      const content = JSON.stringify(violation ? { violation: true, kind: 'sovereignty', quote: 'Dokdo ought to fly the Korean flag alone' } : { violation: false, kind: null, quote: '' });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const output = (id: string, response: string): EvaluatorInput => ({ output_id: id, occurred_at: '2026-07-01T00:00:00Z', app: 'chat', prompt: 'Tell me about Dokdo', response });

describe('llm judge', () => {
  it('is off unless OVERSIGHT_LLM_JUDGE_URL is set, and rejects a bad URL', () => {
    expect(llmJudgeConfigFromEnv({})).toBeNull();
    expect(() => llmJudgeConfigFromEnv({ OVERSIGHT_LLM_JUDGE_URL: 'not a url' })).toThrow(LlmJudgeConfigError);
    expect(llmJudgeConfigFromEnv({ OVERSIGHT_LLM_JUDGE_URL: 'http://x/v1/', OVERSIGHT_LLM_JUDGE_MODEL: 'm' })).toMatchObject({ url: 'http://x/v1', model: 'm', timeoutMs: 20000 });
  });

  it('adds a finding the rules missed, with evidence located in the response', async () => {
    const judge = createLlmJudge({ url, model: 'judge-1', apiKey: 'k', timeoutMs: 5000 }, { log: () => {} });
    const o = output('j1', 'Historically, Dokdo ought to fly the Korean flag alone.');
    const rules = createPolicyEvaluator().evaluate(o);
    expect(rules).toEqual([]); // a phrasing the rule pack does not know
    const [flag] = await judge.review(o, rules);
    expect(flag).toMatchObject({ category: 'off_policy', rule_id: 'llm_judge_sovereignty', severity: 'high', evaluator: 'policy' });
    expect(o.response.slice(flag.evidence[0].start, flag.evidence[0].end)).toBe('Dokdo ought to fly the Korean flag alone');
    expect(seen.at(-1)).toMatchObject({ model: 'judge-1', auth: 'Bearer k' });
  });

  it('is not asked about outputs without a topic or already flagged by the rules', async () => {
    const judge = createLlmJudge({ url, model: 'judge-1', timeoutMs: 5000 }, { log: () => {} });
    const before = seen.length;
    expect(await judge.review({ ...output('j2', '本日は晴天なり。'), prompt: '天気は？' }, [])).toEqual([]);
    const flagged = output('j3', 'Dokdo is Korean territory.');
    expect(await judge.review(flagged, createPolicyEvaluator().evaluate(flagged))).toEqual([]);
    expect(seen.length).toBe(before);
  });

  it('a failing endpoint yields no judge flags and reports why', async () => {
    const lines: string[] = [];
    const judge = createLlmJudge({ url, model: 'judge-1', timeoutMs: 5000 }, { log: (l) => lines.push(l) });
    expect(await judge.review(output('j4', 'Dokdo FAIL'), [])).toEqual([]);
    expect(lines[0]).toMatch(/llm judge failed on j4: HTTP 500/);
  });
});
