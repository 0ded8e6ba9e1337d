import { describe, expect, it } from 'vitest';
import { decodeTraces, encodeExportResponse, decodeExportResponse, type OtlpSpan } from '../../../pipelines/otlp/decode.ts';
import { mapSpan, textOf } from '../../../pipelines/otlp/genai.ts';

const START = 1_767_225_600_000_000_000n; // 2026-01-01T00:00:00Z
const span = (attributes: OtlpSpan['attributes'], more: Partial<OtlpSpan> = {}): OtlpSpan => ({
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  name: 'chat',
  startTimeUnixNano: String(START),
  endTimeUnixNano: String(START + 1_500_000_000n),
  attributes,
  events: [],
  statusCode: 0,
  statusMessage: '',
  resource: { 'service.name': 'Chat-API', 'oversight.ministry': 'mof' },
  ...more,
});

describe('mapSpan', () => {
  it('maps the current conventions to a usage and an output event', () => {
    const m = mapSpan(
      span({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.usage.input_tokens': 10,
        'gen_ai.usage.output_tokens': 3,
        'gen_ai.response.finish_reasons': ['content_filter'],
        'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: 'あなたは行政の助手です' }]),
        'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: '質問' }, { type: 'image', uri: 'x' }] }]),
        'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: '回答' }] }]),
        'gen_ai.retrieval.documents': JSON.stringify([{ id: 'd1', title: '民法', content: '第709条' }]),
      }),
    );
    expect(m.kind).toBe('genai');
    if (m.kind !== 'genai') return;
    expect(m.usage).toMatchObject({
      event_id: 'otel:0af7651916cd43dd8448eb211c80319c:b7ad6b7169203331',
      occurred_at: '2026-01-01T00:00:00.000Z',
      ministry: 'mof',
      app: 'chat_api',
      model: 'gpt-4o',
      input_tokens: 10,
      output_tokens: 3,
      latency_ms: 1500,
      status: 'blocked',
      provider: 'openai',
      user_id: 'anonymous',
      session_id: 'otel:0af7651916cd43dd8448eb211c80319c',
    });
    expect(m.output).toMatchObject({ prompt: 'あなたは行政の助手です\n質問', response: '回答', sources: [{ id: 'd1', title: '民法', excerpt: '第709条' }] });
  });

  it('reads the older forms: gen_ai.system, prompt/completion attributes and message events', () => {
    const m = mapSpan(
      span(
        { 'gen_ai.system': 'vertex_ai', 'gen_ai.request.model': 'gemini', 'gen_ai.usage.prompt_tokens': 4, 'gen_ai.usage.completion_tokens': 2 },
        {
          events: [
            { name: 'gen_ai.user.message', timeUnixNano: '0', attributes: { content: 'こんにちは' } },
            { name: 'gen_ai.choice', timeUnixNano: '0', attributes: { message: JSON.stringify({ role: 'assistant', content: 'はい' }) } },
          ],
          statusCode: 2,
          statusMessage: 'quota',
        },
      ),
    );
    if (m.kind !== 'genai') throw new Error(m.kind);
    expect(m.usage).toMatchObject({ provider: 'vertex_ai', input_tokens: 4, output_tokens: 2, status: 'error', error_type: 'quota' });
    expect(m.output).toMatchObject({ prompt: 'こんにちは', response: 'はい' });
    const indexed = mapSpan(span({ 'gen_ai.request.model': 'm', 'gen_ai.prompt.1.content': 'b', 'gen_ai.prompt.0.content': 'a', 'gen_ai.completion.0.content': 'c' }));
    if (indexed.kind !== 'genai') throw new Error(indexed.kind);
    expect([indexed.output?.prompt, indexed.output?.response]).toEqual(['a\nb', 'c']);
  });

  it('skips spans that are not model calls and rejects spans without ministry or of another ministry', () => {
    expect(mapSpan(span({ 'http.request.method': 'GET' })).kind).toBe('skip');
    const noMinistry = mapSpan(span({ 'gen_ai.request.model': 'm' }, { resource: { 'service.name': 'chat' } }));
    expect(noMinistry).toEqual({ kind: 'reject', reason: 'no ministry: set the oversight.ministry resource or span attribute' });
    const filled = mapSpan(span({ 'gen_ai.request.model': 'm' }, { resource: { 'service.name': 'chat' } }), { ministry: 'da' });
    expect(filled.kind === 'genai' && filled.usage.ministry).toBe('da');
    const other = mapSpan(span({ 'gen_ai.request.model': 'm' }), { ministry: 'da' });
    expect(other.kind === 'reject' && other.reason).toMatch(/writes for da only, the span says oversight.ministry=mof/);
  });

  it('takes text parts only', () => {
    expect(textOf([{ type: 'tool_call', name: 'x' }, { type: 'text', content: 'y' }])).toBe('y');
    expect(textOf('plain {not json')).toBe('plain {not json');
  });
});

describe('OTLP decoding', () => {
  it('reads OTLP/JSON with hex ids, string int64 and enum names', () => {
    const body = JSON.stringify({
      resourceSpans: [{ resource: { attributes: [{ key: 'oversight.ministry', value: { stringValue: 'mof' } }] }, scopeSpans: [{ spans: [{
        traceId: 'AB'.repeat(16), spanId: 'cd'.repeat(8), name: 's', startTimeUnixNano: '1', endTimeUnixNano: '2',
        attributes: [{ key: 'n', value: { intValue: '7' } }, { key: 'a', value: { arrayValue: { values: [{ stringValue: 'x' }] } } }],
        status: { code: 'STATUS_CODE_ERROR' },
      }] }] }],
    });
    const [s] = decodeTraces(Buffer.from(body), 'json');
    expect(s).toMatchObject({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), statusCode: 2, attributes: { n: 7, a: ['x'] }, resource: { 'oversight.ministry': 'mof' } });
  });

  it('round-trips a partial success in both encodings', () => {
    for (const enc of ['json', 'proto'] as const) {
      expect(decodeExportResponse(encodeExportResponse(enc, 2, 'two bad'), enc)).toEqual({ rejectedSpans: 2, errorMessage: 'two bad' });
    }
    expect(encodeExportResponse('proto', 0, '').length).toBe(0);
  });

  it('rejects a truncated protobuf body with the decoder reason', () => {
    expect(() => decodeTraces(Buffer.from([0x0a, 0xff, 0xff]), 'proto')).toThrow(/cannot decode the OTLP protobuf body/);
  });
});
