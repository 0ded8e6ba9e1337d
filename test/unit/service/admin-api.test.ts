// The admin API's status route reads the incident count through the incident store
// (clickhouse/stores/incidents.ts): an incident with two versions counts once, and the answer keeps the
// keys the CLI has always read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freshDb, type TestDb } from '../../helpers/chdb.ts';
import { handleAdminRequest } from '../../../service/admin-api.ts';
import { insertRows } from '../../../clickhouse/client.ts';
import { incidentTotal } from '../../../clickhouse/stores/incidents.ts';
import { loadEnv } from '../../../config/env.ts';
import type { IncidentRow } from '../../../contracts/incidents.ts';

let db: TestDb;
let server: Server;
let url: string;
const token = 'test-admin-token-0123456789';

function incident(id: string, version: number, status: string): IncidentRow {
  const at = '2026-11-20T03:00:00.000Z';
  return {
    incident_id: id, output_id: `out-${id}`, ministry: 'mof', app: 'chat', model: 'cotomi-v3', category: 'leakage', severity: 'high',
    rule_ids: ['my_number'], title: 't', status, assignee: '', verdict: '', output_at: at, opened_at: at, version, source: 'evaluator',
  };
}

beforeAll(async () => {
  db = await freshDb('admin-api-');
  server = createServer((req, res) => handleAdminRequest({ client: db.client, env: loadEnv({ OVERSIGHT_DATA_DIR: db.dir }), token, log: () => {} }, req, res));
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);
afterAll(async () => {
  await new Promise((ok) => server?.close(ok));
  await db?.close();
});

describe('GET /admin-api/status', () => {
  it('counts each incident once, whatever its number of versions', async () => {
    expect(await incidentTotal(db.client)).toBe(0);
    await insertRows(db.client, 'incidents', [incident('i1', 1, 'new'), incident('i2', 1, 'new')]);
    await insertRows(db.client, 'incidents', [incident('i1', 2, 'triaged')]);
    expect(await incidentTotal(db.client)).toBe(2);
    const res = await fetch(`${url}/admin-api/status`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, number>;
    expect(Object.keys(body)).toEqual(['usage_events', 'outputs', 'feedback', 'flags', 'incidents', 'ingest_errors']);
    expect(body.incidents).toBe(2);
    expect(body.outputs).toBe(0);
  });

  it('refuses a call without the token', async () => {
    expect((await fetch(`${url}/admin-api/status`)).status).toBe(401);
  });
});
