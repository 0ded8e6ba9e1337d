// The read API on a running `oversight serve`, with plain HTTP (fetch): tokens for every role and a
// CAIO, the same scoping as the pages (403 for another ministry, leadership kept from flags and
// incidents), gen_ai.evaluation.result events, expiry, revocation through the API, the rate limit,
// the OpenAPI document, and the audit rows every call leaves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeClickHouse, getClickHouse, queryRows } from '../../clickhouse/client.ts';
import { migrate } from '../../clickhouse/migrate.ts';
import { loadEnv } from '../../config/env.ts';
import { BUILD_HANDLER } from '../../service/service.ts';
import { adminFilePath } from '../../service/admin-file.ts';
import { issueApiToken } from '../../src/lib/server/api/tokens.ts';
import { freePort } from '../helpers/ports.ts';

const INGEST = 'platform-ingest-token-0123456789';


describe.skipIf(!existsSync(BUILD_HANDLER))('read API /api/v1', () => {
  let dir: string;
  let url: string;
  let proc: ChildProcess;
  let log = '';
  const tokens: Record<string, string> = {};
  let revokeId = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oversight-api-'));
    // Tokens are issued before serve opens the embedded database (one process at a time).
    const client = await getClickHouse(loadEnv({ OVERSIGHT_DATA_DIR: dir }));
    await migrate(client, { rawTextTtlDays: 400 });
    for (const [name, role, ministry] of [['admin', 'admin', ''], ['reviewer', 'reviewer', ''], ['leadership', 'leadership', ''], ['caio-mof', 'caio', 'mof'], ['to-revoke', 'reviewer', '']] as const) {
      const t = await issueApiToken(client, { name, role, ministry, days: 30, by: 'test' });
      tokens[name] = t.token;
      if (name === 'to-revoke') revokeId = t.token_id;
    }
    tokens.expired = (await issueApiToken(client, { name: 'old', role: 'admin', days: 1, by: 'test' }, new Date(Date.now() - 2 * 86_400_000))).token;
    await expect(issueApiToken(client, { name: 'x', role: 'caio', days: 1, by: 'test' })).rejects.toThrow(/a CAIO needs a ministry/);
    await closeClickHouse();

    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    proc = spawn(process.execPath, ['bin/oversight.mjs', 'serve', '--no-ingest'], {
      env: { ...process.env, OVERSIGHT_DATA_DIR: dir, PORT: String(port), HOST: '127.0.0.1', KAFKA_BROKERS: '', EVAL_INTERVAL_SECONDS: '3600', OTLP_INGEST_TOKENS: `platform:${INGEST}`, API_RATE_LIMIT_PER_MINUTE: '40' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.on('data', (d) => (log += d));
    proc.stderr!.on('data', (d) => (log += d));
    for (let i = 0; ; i++) {
      if (proc.exitCode !== null || i > 600) throw new Error(`serve did not start: ${log}`);
      if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    // Data: a leaked key in mof and in mhlw (OTLP JSON), evaluated so flags and incidents exist.
    const start = BigInt(Date.now() - 3_600_000) * 1_000_000n;
    const span = (ministry: string, i: number) => ({
      traceId: `${'ab'.repeat(15)}0${i}`,
      spanId: `${'cd'.repeat(7)}0${i}`,
      name: 'chat',
      startTimeUnixNano: String(start),
      endTimeUnixNano: String(start + 900_000_000n),
      attributes: [
        { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
        { key: 'gen_ai.response.id', value: { stringValue: `resp-${ministry}` } },
        { key: 'oversight.ministry', value: { stringValue: ministry } },
        { key: 'gen_ai.output.messages', value: { stringValue: JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: `キーは AKIA2E0A8F3B244C998${i} です` }] }]) } },
      ],
    });
    const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'chat' } }] }, scopeSpans: [{ spans: [span('mof', 1), span('mhlw', 2)] }] }] };
    const res = await fetch(`${url}/v1/traces`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST}` } });
    expect(res.status).toBe(200);
    const admin = JSON.parse(readFileSync(adminFilePath(dir), 'utf8')) as { url: string; token: string };
    // The runner leaves outputs ingested in the last second for its next pass (a batch may be in flight).
    await new Promise((r) => setTimeout(r, 1500));
    const ev = await fetch(`${admin.url}/admin-api/evaluate`, { method: 'POST', headers: { authorization: `Bearer ${admin.token}` } });
    expect(((await ev.json()) as { incidentsOpened: number }).incidentsOpened).toBe(2);
  });

  afterAll(async () => {
    if (proc && proc.exitCode === null) proc.kill('SIGKILL');
    await closeClickHouse();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string, token?: string) => {
    const res = await fetch(`${url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, body: (await res.json()) as Record<string, any>, headers: res.headers };
  };
  const day = new Date().toISOString().slice(0, 10);
  const range = `from=${new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10)}&to=${day}`;

  it('serves the OpenAPI document without a token, naming every route', async () => {
    const { status, body } = await get('/api/v1/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/api/v1/overview', '/api/v1/flags', '/api/v1/incidents', '/api/v1/tokens', '/api/v1/tokens/{id}']));
  });

  it('answers every role with the figures of its scope', async () => {
    for (const who of ['admin', 'reviewer', 'leadership']) {
      const { status, body } = await get(`/api/v1/overview?${range}`, tokens[who]);
      expect([who, status]).toEqual([who, 200]);
      expect(body.requests_by_app.reduce((n: number, r: { requests: number }) => n + Number(r.requests), 0)).toBe(2);
    }
    const caio = await get(`/api/v1/overview?${range}`, tokens['caio-mof']);
    expect(caio.status).toBe(200);
    expect(caio.body.filters.ministry).toBe('mof');
    expect(caio.body.requests_by_app.reduce((n: number, r: { requests: number }) => n + Number(r.requests), 0)).toBe(1);
  });

  it('keeps a CAIO to their ministry and leadership away from flags and incidents (403)', async () => {
    expect((await get(`/api/v1/overview?${range}&ministry=mhlw`, tokens['caio-mof'])).status).toBe(403);
    expect((await get(`/api/v1/flags?${range}&ministry=mhlw`, tokens['caio-mof'])).status).toBe(403);
    expect((await get('/api/v1/incidents?ministry=mhlw', tokens['caio-mof'])).status).toBe(403);
    expect((await get(`/api/v1/flags?${range}`, tokens.leadership)).status).toBe(403);
    expect((await get('/api/v1/incidents', tokens.leadership)).status).toBe(403);
    for (const who of ['reviewer', 'leadership', 'caio-mof']) expect((await get('/api/v1/tokens', tokens[who])).status).toBe(403);
    const mine = await get('/api/v1/incidents', tokens['caio-mof']);
    expect(mine.status).toBe(200);
    expect(mine.body.incidents.length).toBeGreaterThan(0);
    expect(mine.body.incidents.every((i: { ministry: string }) => i.ministry === 'mof')).toBe(true);
    const all = await get('/api/v1/incidents', tokens.reviewer);
    expect(new Set(all.body.incidents.map((i: { ministry: string }) => i.ministry))).toEqual(new Set(['mof', 'mhlw']));
  });

  it('gives flags as gen_ai.evaluation.result events with the response id', async () => {
    const { status, body } = await get(`/api/v1/flags?${range}`, tokens['caio-mof']);
    expect(status).toBe(200);
    expect(body.events.length).toBeGreaterThan(0);
    const e = body.events.find((x: any) => x.attributes['gen_ai.evaluation.name'] === 'oversight.leakage');
    expect(e).toMatchObject({
      name: 'gen_ai.evaluation.result',
      trace_id: `${'ab'.repeat(15)}01`,
      span_id: `${'cd'.repeat(7)}01`,
      attributes: { 'gen_ai.response.id': 'resp-mof', 'oversight.ministry': 'mof' },
    });
    expect(typeof e.attributes['gen_ai.evaluation.score.value']).toBe('number');
    expect(e.attributes['gen_ai.evaluation.score.label']).toBeTruthy();
    expect(e.attributes['gen_ai.evaluation.explanation']).toBeTruthy();
    expect(body.events.every((x: any) => x.attributes['oversight.ministry'] === 'mof')).toBe(true);
  });

  it('refuses missing, unknown and expired tokens, and a token revoked through the API', async () => {
    expect((await get('/api/v1/overview')).status).toBe(401);
    expect((await get('/api/v1/overview', 'ovt_nope')).body.error).toBe('unknown API token');
    const expired = await get('/api/v1/overview', tokens.expired);
    expect(expired.status).toBe(401);
    expect(expired.body.error).toMatch(/expired at/);
    expect((await get(`/api/v1/overview?${range}`, tokens['to-revoke'])).status).toBe(200);
    const del = await fetch(`${url}/api/v1/tokens/${revokeId}`, { method: 'DELETE', headers: { authorization: `Bearer ${tokens.admin}` } });
    expect(del.status).toBe(200);
    const revoked = await get('/api/v1/overview', tokens['to-revoke']);
    expect(revoked.status).toBe(401);
    expect(revoked.body.error).toMatch(/was revoked/);
    // An admin issues a token through the API; its secret works at once.
    const issued = await fetch(`${url}/api/v1/tokens`, { method: 'POST', body: JSON.stringify({ name: 'bi-tool', role: 'caio', ministry: 'mhlw', days: 7 }), headers: { authorization: `Bearer ${tokens.admin}`, 'content-type': 'application/json' } });
    expect(issued.status).toBe(201);
    const fresh = (await issued.json()) as { token: string };
    const scoped = await get(`/api/v1/overview?${range}`, fresh.token);
    expect(scoped.body.filters.ministry).toBe('mhlw');
    const list = await get('/api/v1/tokens', tokens.admin);
    expect(JSON.stringify(list.body)).not.toContain(fresh.token);
  });

  it('limits the rate per token with 429 and Retry-After', async () => {
    let limited: Awaited<ReturnType<typeof get>> | undefined;
    for (let i = 0; i < 45 && !limited; i++) {
      const r = await get('/api/v1/openapi.json').then(() => get(`/api/v1/overview?${range}`, tokens.leadership));
      if (r.status === 429) limited = r;
    }
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    // Other tokens are not affected.
    expect((await get(`/api/v1/overview?${range}`, tokens.reviewer)).status).toBe(200);
  });

  it('audits every call, refusals included', async () => {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    const client = await getClickHouse(loadEnv({ OVERSIGHT_DATA_DIR: dir }));
    const rows = await queryRows<{ actor: string; role: string; action: string; target: string; ministry: string; detail: string }>(
      client,
      "SELECT actor, role, action, target, ministry, detail FROM audit_log WHERE action LIKE 'api_%' ORDER BY at",
    );
    const refused = rows.filter((r) => r.actor === 'api:caio-mof' && JSON.parse(r.detail).status === 403);
    expect(refused.length).toBe(4); // overview, flags, incidents of mhlw; the token list
    expect(rows.some((r) => r.actor === 'api:caio-mof' && r.role === 'caio' && r.target === '/api/v1/flags' && JSON.parse(r.detail).status === 200)).toBe(true);
    expect(rows.filter((r) => r.action === 'api_token_revoke').map((r) => [r.actor, r.target])).toEqual([['api:admin', revokeId]]);
    expect(rows.filter((r) => r.action === 'api_token_issue').map((r) => [r.actor, r.ministry])).toEqual([['api:admin', 'mhlw']]);
    // Leadership made 40 calls within the minute (API_RATE_LIMIT_PER_MINUTE=40) before the 429s, each audited.
    expect(rows.filter((r) => r.actor === 'api:leadership').length).toBe(40);
  });
});
