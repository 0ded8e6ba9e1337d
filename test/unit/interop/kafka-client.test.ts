import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnv } from '../../../config/env.ts';
import { kafkaSecurity, KafkaSecurityError, connectionErrorLine } from '../../../pipelines/kafka-client.ts';

const dir = mkdtempSync(join(tmpdir(), 'kafka-client-'));
const pem = (name: string) => {
  const p = join(dir, name);
  writeFileSync(p, `-----BEGIN ${name}-----\n`);
  return p;
};
const sec = (vars: Record<string, string>) => kafkaSecurity(loadEnv(vars));

describe('kafkaSecurity', () => {
  it('is plain without any variable', () => {
    const s = sec({});
    expect(s.ssl).toBeUndefined();
    expect(s.sasl).toBeUndefined();
    expect(s.describe).toBe('plain');
  });

  it('turns TLS on with a CA file and keeps verification on by default', () => {
    const ca = pem('ca.pem');
    const s = sec({ KAFKA_SSL_CA_FILE: ca });
    expect(s.ssl?.rejectUnauthorized).toBe(true);
    expect(s.ssl?.ca).toEqual(['-----BEGIN ca.pem-----\n']);
    expect(sec({ KAFKA_SSL: 'true', KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' }).ssl?.rejectUnauthorized).toBe(false);
  });

  it('builds SCRAM over TLS with a client certificate', () => {
    const s = sec({
      KAFKA_SSL_CA_FILE: pem('ca2.pem'),
      KAFKA_SSL_CERT_FILE: pem('c.pem'),
      KAFKA_SSL_KEY_FILE: pem('k.pem'),
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'ingest',
      KAFKA_SASL_PASSWORD: 'pw',
    });
    expect(s.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'ingest', password: 'pw' });
    expect(s.ssl?.cert).toContain('c.pem');
    expect(s.ssl?.key).toContain('k.pem');
    expect(s.describe).toBe('SASL scram-sha-512 over TLS');
  });

  it.each([
    [{ KAFKA_SSL_CERT_FILE: '/x.pem' }, /KAFKA_SSL_CERT_FILE is set but KAFKA_SSL_KEY_FILE is not/],
    [{ KAFKA_SSL_KEY_FILE: '/x.pem' }, /KAFKA_SSL_KEY_FILE is set but KAFKA_SSL_CERT_FILE is not/],
    [{ KAFKA_SASL_USERNAME: 'u' }, /SASL is half configured: KAFKA_SASL_USERNAME set but KAFKA_SASL_MECHANISM, KAFKA_SASL_PASSWORD not/],
    [{ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' }, /KAFKA_SASL_PASSWORD not/],
    [{ KAFKA_SSL_REJECT_UNAUTHORIZED: 'false' }, /without TLS/],
    [{ KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem' }, /KAFKA_SSL_CA_FILE=\/nonexistent\/ca.pem cannot be read: ENOENT/],
  ])('refuses a half-set configuration %j with one line', (vars, message) => {
    let err: unknown;
    try {
      sec(vars as Record<string, string>);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KafkaSecurityError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });

  it('rejects an unknown SASL mechanism at configuration time', () => {
    expect(() => loadEnv({ KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(/KAFKA_SASL_MECHANISM must be plain, scram-sha-256 or scram-sha-512/);
  });

  it('names the likely cause of a failed connection in one line', () => {
    expect(connectionErrorLine(['b:9093'], new Error('SASL SCRAM SHA512 authentication failed: bad'))).toMatch(/check KAFKA_SASL_USERNAME/);
    const tls = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    expect(connectionErrorLine(['b:9093'], tls)).toMatch(/not trusted: check KAFKA_SSL_CA_FILE/);
  });
});
