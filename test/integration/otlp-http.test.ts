// OTLP/HTTP into a running `oversight serve`, sent by the OpenTelemetry JS SDK's own exporters (protobuf
// and JSON): the spans become usage and output rows, the evaluators flag them, and the dashboard's
// overview figures count them. Malformed, oversized and unauthorised bodies get clear answers, and a
// span for another ministry is named in the partial success while its valid neighbours are stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { getClickHouse, closeClickHouse, queryRows, type ClickHouseClient } from '../../clickhouse/client.ts';
import { loadEnv } from '../../config/env.ts';
import { BUILD_HANDLER } from '../../service/service.ts';
import { adminFilePath } from '../../service/admin-file.ts';
import { overviewPageData } from '../../src/lib/server/queries/page-data.ts';
import { parseFilters } from '../../src/lib/server/queries/filters.ts';
import { freePort } from '../helpers/ports.ts';

const PLATFORM_TOKEN = 'platform-token-0123456789abcdef';
const MOF_TOKEN = 'mof-token-0123456789abcdef';
const LEAK = 'アクセスキーは AKIA2E0A8F3B244C9986 です。';


const hasBuild = existsSync(BUILD_HANDLER);
describe.skipIf(!hasBuild)('OTLP/HTTP traces into oversight serve', () => {
  let dir: string;
  let url: string;
  let proc: ChildProcess;
  let output = '';
  let client: ClickHouseClient;
  const today = new Date().toISOString().slice(0, 10);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oversight-otlp-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    proc = spawn(process.execPath, ['bin/oversight.mjs', 'serve', '--no-ingest'], {
      env: {
        ...process.env,
        OVERSIGHT_DATA_DIR: dir,
        PORT: String(port),
        HOST: '127.0.0.1',
        KAFKA_BROKERS: '',
        EVAL_INTERVAL_SECONDS: '3600',
        OTLP_INGEST_TOKENS: `platform:${PLATFORM_TOKEN},mof:${MOF_TOKEN}`,
        OTLP_MAX_BODY_BYTES: '200000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.on('data', (d) => (output += d));
    proc.stderr!.on('data', (d) => (output += d));
    for (let i = 0; i < 600; i++) {
      if (proc.exitCode !== null) throw new Error(`serve exited: ${output}`);
      const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`serve did not start: ${output}`);
  });

  afterAll(async () => {
    if (proc && proc.exitCode === null) proc.kill('SIGKILL');
    await closeClickHouse();
    rmSync(dir, { recursive: true, force: true });
  });

  function provider(exporter: ProtoExporter | JsonExporter, resource: Record<string, string>) {
    return new BasicTracerProvider({ resource: resourceFromAttributes(resource), spanProcessors: [new SimpleSpanProcessor(exporter)] });
  }

  it('stores the spans sent by the SDK exporters, protobuf and JSON', async () => {
    const proto = provider(new ProtoExporter({ url: `${url}/v1/traces`, headers: { authorization: `Bearer ${PLATFORM_TOKEN}` } }), {
      'service.name': 'chat',
      'oversight.ministry': 'mof',
    });
    const tracer = proto.getTracer('test');
    const chat = tracer.startSpan('chat gpt-4o', {
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.response.model': 'gpt-4o-2024-08-06',
        'gen_ai.response.id': 'chatcmpl-otlp-1',
        'gen_ai.usage.input_tokens': 120,
        'gen_ai.usage.output_tokens': 42,
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.conversation.id': 'conv-1',
        'user.id': 'u-mof-otlp',
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: '鍵を教えて' }] }]),
        'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: LEAK }], finish_reason: 'stop' }]),
      },
    });
    chat.end();
    // An HTTP span of the same trace: not a model call, so skipped rather than rejected.
    tracer.startSpan('GET /search', { attributes: { 'http.request.method': 'GET' } }).end();
    // Older instrumentations: gen_ai.system and indexed prompt/completion attributes, an error status.
    const old = tracer.startSpan('completion', {
      attributes: {
        'gen_ai.system': 'anthropic',
        'gen_ai.request.model': 'claude-3-5-sonnet',
        'gen_ai.usage.prompt_tokens': 7,
        'gen_ai.usage.completion_tokens': 0,
        'gen_ai.prompt.0.role': 'user',
        'gen_ai.prompt.0.content': 'こんにちは',
        'error.type': 'timeout',
        'oversight.app': 'drafting',
      },
    });
    old.end();
    await proto.forceFlush();
    await proto.shutdown();

    const json = provider(new JsonExporter({ url: `${url}/v1/traces`, headers: { authorization: `Bearer ${MOF_TOKEN}` } }), { 'service.name': 'translation' });
    const t2 = json.getTracer('test');
    // The mof token fills in the ministry.
    t2.startSpan('chat plamo', { attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'plamo-2', 'gen_ai.usage.input_tokens': 5, 'gen_ai.usage.output_tokens': 9 } }).end();
    await json.forceFlush();
    await json.shutdown();
  });

  const traceBody = (spans: object[], resource: Record<string, string> = { 'service.name': 'chat' }) => ({
    resourceSpans: [
      {
        resource: { attributes: Object.entries(resource).map(([key, v]) => ({ key, value: { stringValue: v } })) },
        scopeSpans: [{ spans }],
      },
    ],
  });
  const jsonSpan = (spanId: string, ministry: string) => {
    const start = BigInt(Date.now()) * 1_000_000n;
    return {
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId,
      name: 'chat',
      startTimeUnixNano: String(start),
      endTimeUnixNano: String(start + 250_000_000n),
      attributes: [
        { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o-mini' } },
        { key: 'oversight.ministry', value: { stringValue: ministry } },
        { key: 'gen_ai.usage.input_tokens', value: { intValue: '11' } },
      ],
    };
  };
  const post = (body: Buffer | string, headers: Record<string, string>) =>
    fetch(`${url}/v1/traces`, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers });

  it('names a span of another ministry in the partial success and stores its neighbour', async () => {
    const res = await post(JSON.stringify(traceBody([jsonSpan('eee19b7ec3c1b174', 'mof'), jsonSpan('eee19b7ec3c1b175', 'mhlw')])), {
      'content-type': 'application/json',
      authorization: `Bearer ${MOF_TOKEN}`,
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(Number(answer.partialSuccess.rejectedSpans)).toBe(1);
    expect(answer.partialSuccess.errorMessage).toMatch(/span eee19b7ec3c1b175 .*writes for mof only.*mhlw/);
  });

  it('accepts gzip and refuses malformed, oversized and unauthorised bodies with clear errors', async () => {
    const gz = gzipSync(JSON.stringify(traceBody([jsonSpan('aaa19b7ec3c1b176', 'da')])));
    const ok = await post(gz, { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: `Bearer ${PLATFORM_TOKEN}` });
    expect(ok.status).toBe(200);

    const bad = await post('{"resourceSpans": [', { 'content-type': 'application/json', authorization: `Bearer ${PLATFORM_TOKEN}` });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/cannot decode the OTLP JSON body/);

    const badProto = await post(Buffer.from([0x0a, 0xff, 0xff, 0xff]), { 'content-type': 'application/x-protobuf', authorization: `Bearer ${PLATFORM_TOKEN}` });
    expect(badProto.status).toBe(400);

    const big = await post('x'.repeat(300_000), { 'content-type': 'application/json', authorization: `Bearer ${PLATFORM_TOKEN}` });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { message: string }).message).toMatch(/OTLP_MAX_BODY_BYTES \(200000\)/);

    // A small gzip body that inflates beyond the limit (a zip bomb) is refused too.
    const bomb = await post(gzipSync(Buffer.alloc(1_000_000, 0x20)), { 'content-type': 'application/json', 'content-encoding': 'gzip', authorization: `Bearer ${PLATFORM_TOKEN}` });
    expect(bomb.status).toBe(413);

    expect((await post('{}', { 'content-type': 'application/json' })).status).toBe(401);
    expect((await post('{}', { 'content-type': 'application/json', authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    expect((await post('{}', { 'content-type': 'text/plain', authorization: `Bearer ${PLATFORM_TOKEN}` })).status).toBe(415);
  });

  it('evaluates the spans and shows them in the dashboard figures after a restart of the reader', async () => {
    const admin = JSON.parse(readFileSync(adminFilePath(dir), 'utf8')) as { url: string; token: string };
    // The runner leaves outputs ingested in the last second for its next pass (a batch may be in flight).
    await new Promise((r) => setTimeout(r, 1500));
    const ev = await fetch(`${admin.url}/admin-api/evaluate`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}` } });
    expect(ev.status).toBe(200);
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));

    client = await getClickHouse(loadEnv({ OVERSIGHT_DATA_DIR: dir }));
    const usage = await queryRows<{ event_id: string; ministry: string; app: string; model: string; input_tokens: number; output_tokens: number; status: string; session_id: string; user_id: string }>(
      client,
      'SELECT event_id, ministry, app, model, input_tokens, output_tokens, status, session_id, user_id FROM usage_events FINAL ORDER BY model, ministry',
    );
    expect(usage.map((u) => [u.ministry, u.app, u.model, Number(u.input_tokens), u.status])).toEqual([
      ['mof', 'drafting', 'claude-3-5-sonnet', 7, 'error'],
      ['mof', 'chat', 'gpt-4o-2024-08-06', 120, 'ok'],
      ['da', 'chat', 'gpt-4o-mini', 11, 'ok'],
      ['mof', 'chat', 'gpt-4o-mini', 11, 'ok'],
      ['mof', 'translation', 'plamo-2', 5, 'ok'],
    ]);
    const gpt = usage.find((u) => u.model === 'gpt-4o-2024-08-06')!;
    expect([gpt.session_id, gpt.user_id, Number(gpt.output_tokens)]).toEqual(['conv-1', 'u-mof-otlp', 42]);

    const outputs = await queryRows<{ output_id: string; prompt: string; response: string }>(client, 'SELECT output_id, prompt, response FROM outputs FINAL ORDER BY output_id');
    expect(outputs).toContainEqual({ output_id: 'chatcmpl-otlp-1', prompt: '鍵を教えて', response: LEAK });
    expect(outputs.find((o) => o.prompt === 'こんにちは')).toBeDefined();

    const flags = await queryRows<{ output_id: string; evaluator: string }>(client, 'SELECT output_id, evaluator FROM flags FINAL WHERE is_deleted = 0');
    expect(flags.filter((f) => f.output_id === 'chatcmpl-otlp-1').map((f) => f.evaluator)).toContain('leakage');

    const errors = await queryRows<{ topic: string; error: string }>(client, 'SELECT topic, error FROM ingest_errors FINAL');
    expect(errors).toHaveLength(1);
    expect(errors[0].error).toMatch(/otlp span eee19b7ec3c1b175 .*writes for mof only/);

    const page = await overviewPageData(client, parseFilters(new URLSearchParams(), { scope: null, defaultTo: today }));
    const requests = page.byApp.reduce((n, r) => n + Number((r as { requests: number }).requests), 0);
    expect(requests).toBe(5);
  });
});
