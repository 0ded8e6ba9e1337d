// The OTLP/HTTP receiver when ClickHouse is slow or failing: requests are answered 503/429 with
// Retry-After, never 200 for spans that are not stored, and once writes succeed again every span
// (including those of the request that got 503) is stored exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { freshDb, countOf, type TestDb } from '../../helpers/chdb.ts';
import { loadEnv } from '../../../config/env.ts';
import { insertCompact } from '../../../pipelines/ingest.ts';
import { createOtlpReceiver, type OtlpReceiver } from '../../../service/otlp-receiver.ts';

const TOKEN = 'platform-token-for-backpressure';
let db: TestDb;
let server: Server;
let receiver: OtlpReceiver;
let url: string;
let failing = true;
let inserts = 0;

const body = (spanIds: string[]) =>
  JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'oversight.ministry', value: { stringValue: 'mof' } }, { key: 'service.name', value: { stringValue: 'chat' } }] },
        scopeSpans: [
          {
            spans: spanIds.map((spanId) => ({
              traceId: '0123456789abcdef0123456789abcdef',
              spanId,
              name: 'chat',
              startTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
              endTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
              attributes: [{ key: 'gen_ai.request.model', value: { stringValue: 'bp-model' } }],
            })),
          },
        ],
      },
    ],
  });
const post = (ids: string[]) =>
  fetch(`${url}/v1/traces`, { method: 'POST', body: body(ids), headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } });

beforeAll(async () => {
  db = await freshDb('otlp-receiver-');
  const env = loadEnv({ OVERSIGHT_DATA_DIR: db.dir, OTLP_INGEST_TOKENS: `platform:${TOKEN}`, INGEST_BATCH_SIZE: '3' });
  receiver = createOtlpReceiver({
    client: db.client,
    env,
    waitMs: 500,
    batchMs: 20,
    retry: { initialMs: 50, maxMs: 100 },
    log: () => {},
    // A ClickHouse outage while `failing`; the real insert afterwards.
    insert: async (table, rows) => {
      inserts++;
      if (failing) throw new Error('ClickHouse is down (simulated)');
      await insertCompact(db.client, table, rows as Record<string, unknown>[]);
    },
  });
  server = createServer((req, res) => receiver.handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  failing = false;
  await receiver.stop();
  await new Promise((r) => server.close(r));
  await db.close();
});

describe('OTLP receiver back-pressure', () => {
  it('answers 503 with Retry-After while ClickHouse fails, and refuses new work until it recovers', async () => {
    const first = await post(['00000000000000a1', '00000000000000a2']);
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('5');
    expect(((await first.json()) as { message: string }).message).toMatch(/queued but not stored within 500 ms/);
    expect(inserts).toBeGreaterThan(0);
    const next = await post(['00000000000000a3']);
    expect(next.status).toBe(503);
    expect(((await next.json()) as { message: string }).message).toMatch(/not accepting writes/);
  });

  it('stores the queued spans once writes succeed, and the exporter retry of them is not counted twice', async () => {
    failing = false;
    for (let i = 0; i < 100 && (await countOf(db.client, "SELECT count() AS n FROM usage_events WHERE model = 'bp-model'")) < 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const retry = await post(['00000000000000a1', '00000000000000a2', '00000000000000a3']);
    expect(retry.status).toBe(200);
    expect(await countOf(db.client, "SELECT count() AS n FROM usage_events WHERE model = 'bp-model'")).toBe(3);
  });
});

describe('OTLP receiver with a slow ClickHouse', () => {
  it('answers 429 with Retry-After while too many events wait to be stored, and stores them afterwards', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = createOtlpReceiver({
      client: db.client,
      env: loadEnv({ OVERSIGHT_DATA_DIR: db.dir, OTLP_INGEST_TOKENS: `platform:${TOKEN}` }),
      waitMs: 300,
      batchMs: 10,
      maxBacklog: 1,
      log: () => {},
      insert: async (table, rows) => {
        await gate; // slow, not failing
        await insertCompact(db.client, table, rows as Record<string, unknown>[]);
      },
    });
    const srv = createServer((req, res) => slow.handle(req, res));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const at = `http://127.0.0.1:${(srv.address() as { port: number }).port}/v1/traces`;
    const send = (ids: string[]) => fetch(at, { method: 'POST', body: body(ids), headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } });
    try {
      expect((await send(['00000000000000b1', '00000000000000b2'])).status).toBe(503); // queued, not stored in 300 ms
      const busy = await send(['00000000000000b3']);
      expect(busy.status).toBe(429);
      expect(busy.headers.get('retry-after')).toBe('2');
      release();
      await slow.stop();
      expect(await countOf(db.client, "SELECT count() AS n FROM usage_events WHERE event_id LIKE 'otel:%:00000000000000b%'")).toBe(2);
    } finally {
      release();
      await new Promise((r) => srv.close(r));
    }
  });
});
