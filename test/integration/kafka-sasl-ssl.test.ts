// Secured Kafka on a real broker: a SASL_SSL listener with a certificate made here with openssl (a
// throwaway CA), SCRAM users created at format time and a PLAIN user. The ingester consumes over it
// with verification on; wrong credentials and an untrusted certificate stop `oversight ingest` at start
// with one line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { startBroker, type RunningBroker } from '../../scripts/kafka.mjs';
import { closeClickHouse, getClickHouse, queryRows, type ClickHouseClient } from '../../clickhouse/client.ts';
import { migrate } from '../../clickhouse/migrate.ts';
import { loadEnv } from '../../config/env.ts';
import { startKafkaIngester } from '../../pipelines/kafka-ingester.ts';
import { createKafka } from '../../pipelines/kafka-client.ts';
import { makeTestPki, serverKeystore, type TestPki } from '../helpers/tls.ts';
import { line, usage } from './helpers/events.ts';
import { ROOT, tempDir, waitUntilConsumed } from './helpers/ingest.ts';
import { createTopics, produce, topicNames } from './helpers/kafka.ts';

let broker: RunningBroker;
let pki: TestPki;
let dir: string;
let client: ClickHouseClient;
const USERS = [
  { mechanism: 'SCRAM-SHA-256', name: 'ingest256', password: 'scram-256-secret' },
  { mechanism: 'SCRAM-SHA-512', name: 'ingest512', password: 'scram-512-secret' },
  { mechanism: 'PLAIN', name: 'plainuser', password: 'plain-secret' },
] as const;

beforeAll(async () => {
  pki = makeTestPki();
  broker = await startBroker({ saslSsl: { keystore: serverKeystore(pki, 'changeit'), keystorePassword: 'changeit', users: [...USERS] } });
  dir = tempDir('sasl-ssl');
  client = await getClickHouse(loadEnv({ OVERSIGHT_DATA_DIR: dir }));
  await migrate(client, { rawTextTtlDays: 400 });
});
afterAll(async () => {
  await closeClickHouse();
  await broker?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (pki) rmSync(pki.dir, { recursive: true, force: true });
});

const secured = (extra: Record<string, string> = {}) => ({
  KAFKA_BROKERS: broker.saslSslBrokers!,
  KAFKA_SSL_CA_FILE: pki.caCert,
  KAFKA_SASL_MECHANISM: 'scram-sha-256',
  KAFKA_SASL_USERNAME: 'ingest256',
  KAFKA_SASL_PASSWORD: 'scram-256-secret',
  ...extra,
});

describe('Kafka over SASL_SSL', () => {
  it('ingests over the SASL_SSL listener with SCRAM-SHA-256, verifying the broker certificate', async () => {
    const prefix = 'sec.';
    await createTopics(broker.brokers, prefix, 2);
    await produce(broker.brokers, topicNames(prefix).usage, Array.from({ length: 50 }, (_, i) => ({ value: line(usage(i, 'sec')) })));
    const env = loadEnv({ OVERSIGHT_DATA_DIR: dir, INGEST_BATCH_MS: '200', ...secured() });
    const ingester = await startKafkaIngester({ client, env, groupId: 'sec-group', topicPrefix: prefix, log: () => {} });
    try {
      await waitUntilConsumed(broker.brokers, 'sec-group', [topicNames(prefix).usage]);
    } finally {
      await ingester.stop();
    }
    const [row] = await queryRows<{ n: number }>(client, "SELECT count() AS n FROM usage_events FINAL WHERE model = 'm-sec'");
    expect(Number(row.n)).toBe(50);
  });

  it.each([
    ['scram-sha-512', 'ingest512', 'scram-512-secret'],
    ['plain', 'plainuser', 'plain-secret'],
  ])('connects with %s', async (mechanism, user, password) => {
    const env = loadEnv(secured({ KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: user, KAFKA_SASL_PASSWORD: password }));
    const admin = createKafka({ env, brokers: env.KAFKA_BROKERS, retry: { retries: 0 } }).admin();
    await admin.connect();
    try {
      expect(await admin.listTopics()).toContain('sec.genai.usage.v1');
    } finally {
      await admin.disconnect();
    }
  });

  const ingestCli = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['bin/oversight.mjs', 'ingest', '--group', 'bad-group'], {
      cwd: ROOT,
      env: { ...process.env, OVERSIGHT_DATA_DIR: tempDir('sasl-cli'), ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('stops `oversight ingest` at start with one line on a wrong password', () => {
    const r = ingestCli(secured({ KAFKA_SASL_PASSWORD: 'wrong' }));
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('oversight:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/cannot connect to Kafka at 127\.0\.0\.1:\d+: .*(SASL|authentication).*check KAFKA_SASL_USERNAME/i);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('stops `oversight ingest` at start with one line on an untrusted broker certificate', () => {
    const r = ingestCli(secured({ KAFKA_SSL_CA_FILE: pki.otherCaCert }));
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('oversight:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/not trusted: check KAFKA_SSL_CA_FILE/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('stops at start on a half-set configuration, before connecting', () => {
    const r = ingestCli({ KAFKA_BROKERS: broker.saslSslBrokers!, KAFKA_SASL_USERNAME: 'ingest256' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^oversight: SASL is half configured: KAFKA_SASL_USERNAME set but KAFKA_SASL_MECHANISM, KAFKA_SASL_PASSWORD not$/m);
  });
});
