// The one place a KafkaJS client is built, so every Kafka client of the product (the ingester, its DLQ
// producer, the dashboard's lag query, the simulator) connects the same way: plain, TLS, SASL or SASL over
// TLS, from the KAFKA_SSL_* / KAFKA_SASL_* variables (README, "Secured Kafka").
//
// A half-set configuration is refused before any connection with one line that names what is missing:
// a client certificate without its key would otherwise surface as a handshake failure much later, and a
// SASL user without a mechanism would silently connect unauthenticated.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import type { Env } from '../config/env.ts';

export class KafkaSecurityError extends Error {
  override name = 'UsageError';
}

type SecurityEnv = Pick<
  Env,
  | 'KAFKA_SSL'
  | 'KAFKA_SSL_CA_FILE'
  | 'KAFKA_SSL_CERT_FILE'
  | 'KAFKA_SSL_KEY_FILE'
  | 'KAFKA_SSL_KEY_PASSWORD'
  | 'KAFKA_SSL_REJECT_UNAUTHORIZED'
  | 'KAFKA_SASL_MECHANISM'
  | 'KAFKA_SASL_USERNAME'
  | 'KAFKA_SASL_PASSWORD'
>;

export interface KafkaSecurity {
  ssl?: ConnectionOptions;
  sasl?: SASLOptions;
  /** For log lines: "plain", "TLS", "SASL scram-sha-256 over TLS". */
  describe: string;
}

function readPem(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new KafkaSecurityError(`${variable}=${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** TLS and SASL options from the environment; throws KafkaSecurityError (one line) on a half-set configuration. */
export function kafkaSecurity(env: SecurityEnv): KafkaSecurity {
  const certFile = env.KAFKA_SSL_CERT_FILE;
  const keyFile = env.KAFKA_SSL_KEY_FILE;
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new KafkaSecurityError(
      certFile
        ? 'KAFKA_SSL_CERT_FILE is set but KAFKA_SSL_KEY_FILE is not: a client certificate needs its private key'
        : 'KAFKA_SSL_KEY_FILE is set but KAFKA_SSL_CERT_FILE is not: a private key needs its client certificate',
    );
  }
  if (env.KAFKA_SSL_KEY_PASSWORD && !keyFile) throw new KafkaSecurityError('KAFKA_SSL_KEY_PASSWORD is set but KAFKA_SSL_KEY_FILE is not');
  const sasl = [
    ['KAFKA_SASL_MECHANISM', env.KAFKA_SASL_MECHANISM],
    ['KAFKA_SASL_USERNAME', env.KAFKA_SASL_USERNAME],
    ['KAFKA_SASL_PASSWORD', env.KAFKA_SASL_PASSWORD],
  ] as const;
  const saslSet = sasl.filter(([, v]) => v);
  if (saslSet.length > 0 && saslSet.length < sasl.length) {
    const missing = sasl.filter(([, v]) => !v).map(([k]) => k);
    throw new KafkaSecurityError(`SASL is half configured: ${saslSet.map(([k]) => k).join(', ')} set but ${missing.join(', ')} not`);
  }
  const tls = Boolean(env.KAFKA_SSL || env.KAFKA_SSL_CA_FILE || certFile);
  if (!tls && env.KAFKA_SSL_REJECT_UNAUTHORIZED === false) {
    throw new KafkaSecurityError('KAFKA_SSL_REJECT_UNAUTHORIZED=false without TLS: set KAFKA_SSL=true (or KAFKA_SSL_CA_FILE)');
  }
  const out: KafkaSecurity = { describe: 'plain' };
  if (tls) {
    out.ssl = {
      // Verification stays on unless explicitly turned off: the CA file adds to Node's trusted roots.
      rejectUnauthorized: env.KAFKA_SSL_REJECT_UNAUTHORIZED !== false,
      ...(env.KAFKA_SSL_CA_FILE ? { ca: [readPem('KAFKA_SSL_CA_FILE', env.KAFKA_SSL_CA_FILE)] } : {}),
      ...(certFile && keyFile
        ? {
            cert: readPem('KAFKA_SSL_CERT_FILE', certFile),
            key: readPem('KAFKA_SSL_KEY_FILE', keyFile),
            ...(env.KAFKA_SSL_KEY_PASSWORD ? { passphrase: env.KAFKA_SSL_KEY_PASSWORD } : {}),
          }
        : {}),
    };
  }
  if (env.KAFKA_SASL_MECHANISM && env.KAFKA_SASL_USERNAME && env.KAFKA_SASL_PASSWORD) {
    const username = env.KAFKA_SASL_USERNAME;
    const password = env.KAFKA_SASL_PASSWORD;
    out.sasl =
      env.KAFKA_SASL_MECHANISM === 'plain'
        ? { mechanism: 'plain', username, password }
        : env.KAFKA_SASL_MECHANISM === 'scram-sha-256'
          ? { mechanism: 'scram-sha-256', username, password }
          : { mechanism: 'scram-sha-512', username, password };
    if (!tls) out.describe = `SASL ${env.KAFKA_SASL_MECHANISM} without TLS (the password travels in clear for plain)`;
  }
  if (tls) out.describe = out.sasl ? `SASL ${out.sasl.mechanism} over TLS` : out.ssl?.cert ? 'TLS with a client certificate' : 'TLS';
  return out;
}

/** The ingest consumer group: the ingester joins it and /pipeline reads its committed offsets for the lag. */
export const ingestGroupId = (env: { KAFKA_GROUP_PREFIX?: string }): string => `${env.KAFKA_GROUP_PREFIX ?? 'oversight'}-ingest`;

export interface KafkaClientOptions {
  env: SecurityEnv & Pick<Env, 'KAFKA_CLIENT_ID'>;
  brokers: string[];
  /** Appended to KAFKA_CLIENT_ID, e.g. "-dashboard". */
  clientIdSuffix?: string;
  log?: (line: string) => void;
  logLevel?: logLevel;
  retry?: KafkaConfig['retry'];
  connectionTimeout?: number;
}

/** A KafkaJS client with the product's security settings. */
export function createKafka(opts: KafkaClientOptions): Kafka {
  const security = kafkaSecurity(opts.env);
  const log = opts.log;
  return new Kafka({
    clientId: opts.env.KAFKA_CLIENT_ID + (opts.clientIdSuffix ?? ''),
    brokers: opts.brokers,
    ...(security.ssl ? { ssl: security.ssl } : {}),
    ...(security.sasl ? { sasl: security.sasl } : {}),
    ...(opts.retry ? { retry: opts.retry } : {}),
    ...(opts.connectionTimeout ? { connectionTimeout: opts.connectionTimeout } : {}),
    logLevel: opts.logLevel ?? logLevel.ERROR,
    ...(log ? { logCreator: () => (entry) => log(`kafka: ${entry.log.message}${entry.log.error ? ` (${entry.log.error})` : ''}`) } : {}),
  });
}

/**
 * One line for a failed first connection, naming the usual cause: KafkaJS reports a TLS trust failure
 * and a refused SASL login in different words, and an operator must see at once which one it is.
 */
export function connectionErrorLine(brokers: string[], err: unknown): string {
  const e = err as Error & { code?: string; cause?: Error & { code?: string } };
  const msg = [e.message, e.cause?.message].filter(Boolean).join(': ').replace(/\s+/g, ' ');
  const code = e.code ?? e.cause?.code ?? '';
  let hint = '';
  if (/SASL|authentication/i.test(msg)) hint = ' (check KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD / KAFKA_SASL_MECHANISM)';
  else if (/certificate|self[- ]signed|CERT_|UNABLE_TO_VERIFY/i.test(msg + code)) hint = ' (the broker certificate is not trusted: check KAFKA_SSL_CA_FILE)';
  return `cannot connect to Kafka at ${brokers.join(',')}: ${msg}${hint}`;
}

/**
 * Before a client starts: with TLS or SASL configured, one connection attempt without retries, so an
 * untrusted broker certificate or refused credentials stop the start at once with one line (KafkaJS
 * would otherwise retry a TLS failure like a broker that is still booting). Other failures (a broker not
 * up yet) are left to the client's normal retries.
 */
export async function checkKafkaSecurity(opts: Omit<KafkaClientOptions, 'retry' | 'log'>): Promise<void> {
  const security = kafkaSecurity(opts.env);
  if (!security.ssl && !security.sasl) return;
  const admin = createKafka({ ...opts, clientIdSuffix: `${opts.clientIdSuffix ?? ''}-check`, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
  } catch (err) {
    const line = connectionErrorLine(opts.brokers, err);
    if (/check KAFKA_SASL|check KAFKA_SSL_CA_FILE/.test(line)) throw new KafkaSecurityError(line);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
