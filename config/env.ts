// Runtime configuration from environment variables, validated once with clear messages.
// Every variable is documented in README.md ("Configuration"); defaults suit the embedded demo.
import { z } from 'zod';
import { parseShard } from '../contracts/shards.ts';
import { parseReviewRule } from '../contracts/review.ts';

const intFrom = (dflt: number) => z.coerce.number().int().positive().default(dflt);
const list = z
  .string()
  .optional()
  .transform((s) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []));

const EnvSchema = z.object({
  OVERSIGHT_DATA_DIR: z.string().default('./data/oversight'),
  // The law catalog imported by `oversight laws import` (evaluators/catalog-store.ts); unset: <OVERSIGHT_DATA_DIR>/law-catalog.
  OVERSIGHT_LAW_CATALOG_DIR: z.string().optional(),
  CLICKHOUSE_URL: z.url({ error: 'CLICKHOUSE_URL must be a URL such as http://clickhouse:8123' }).optional(),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'CLICKHOUSE_DATABASE must be an identifier').default('default'),
  CLICKHOUSE_CLUSTER: z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, 'CLICKHOUSE_CLUSTER must be a cluster name').optional(),
  RAW_TEXT_TTL_DAYS: intFrom(400),
  // Embedded engine (chDB) memory bounds, applied when the engine starts (clickhouse/chdb-memory.ts,
  // docs/CAPACITY.md "Memory"); ignored with CLICKHOUSE_URL, where the server's own config rules.
  CHDB_MAX_MEMORY_MB: intFrom(4096),
  CHDB_MARK_CACHE_MB: intFrom(64),
  CHDB_INDEX_CACHE_MB: intFrom(16),
  KAFKA_BROKERS: list,
  KAFKA_CLIENT_ID: z.string().default('oversight'),
  KAFKA_GROUP_PREFIX: z.string().default('oversight'),
  // Secured Kafka (pipelines/kafka-client.ts checks that they are set together, for every Kafka client).
  KAFKA_SSL: z.enum(['true', 'false']).optional().transform((s) => s === 'true'),
  KAFKA_SSL_CA_FILE: z.string().optional(),
  KAFKA_SSL_CERT_FILE: z.string().optional(),
  KAFKA_SSL_KEY_FILE: z.string().optional(),
  KAFKA_SSL_KEY_PASSWORD: z.string().optional(),
  KAFKA_SSL_REJECT_UNAUTHORIZED: z.enum(['true', 'false']).default('true').transform((s) => s === 'true'),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512'], { error: 'KAFKA_SASL_MECHANISM must be plain, scram-sha-256 or scram-sha-512' }).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  // OTLP traces (pipelines/otlp/): the Collector's Kafka topic (unset: not read) and its encoding.
  KAFKA_OTLP_TOPIC: z.string().optional(),
  KAFKA_OTLP_ENCODING: z.enum(['otlp_proto', 'otlp_json']).default('otlp_proto'),
  // OTLP/HTTP receiver at /v1/traces: "scope:token" pairs, scope = platform or a ministry code.
  OTLP_INGEST_TOKENS: z.string().optional(),
  OTLP_MAX_BODY_BYTES: intFrom(8 * 1024 * 1024),
  // Read API (/api/v1): requests per token per minute, and the default lifetime of a new token.
  API_RATE_LIMIT_PER_MINUTE: intFrom(120),
  API_TOKEN_DAYS: intFrom(90),
  INGEST_BATCH_SIZE: intFrom(20_000),
  INGEST_BATCH_MS: intFrom(1000),
  INGEST_MAX_MESSAGE_BYTES: intFrom(1_048_576),
  // Kafka message bytes the ingester may hold fetched but not yet committed (pipelines/in-flight.ts);
  // beyond it the next fetch waits. Bounds the ingester's memory; at least two batches keep it pipelined.
  INGEST_MAX_IN_FLIGHT_BYTES: intFrom(8 * 1_048_576),
  EVAL_INTERVAL_SECONDS: intFrom(60),
  // "i/n": this process evaluates shard i of n (evaluators/runner.ts); unset: all outputs.
  OVERSIGHT_EVAL_SHARD: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return undefined;
      try {
        return parseShard(s);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  PORT: intFrom(3000),
  HOST: z.string().default('0.0.0.0'),
  ORIGIN: z.url({ error: 'ORIGIN must be a URL such as https://oversight.example.go.jp' }).optional(),
  // Host names (name or name:port) the dashboard answers to besides ORIGIN's, localhost and IP literals
  // (src/lib/server/http-security.ts): a Host header naming anything else gets 421 (DNS rebinding).
  ALLOWED_HOSTS: list,
  // The operations listener of `oversight serve`: /metrics and /admin-api/ (and /healthz), kept off the
  // public listener. Loopback by default; OPS_PORT 0 picks any free port.
  OPS_HOST: z.string().default('127.0.0.1'),
  OPS_PORT: z.coerce.number().int().min(0).max(65_535).default(9465),
  // Links in alerts and digests; default http://localhost:<PORT> (filled in below).
  PUBLIC_BASE_URL: z.url({ error: 'PUBLIC_BASE_URL must be a URL such as https://oversight.example.go.jp' }).optional(),
  // Review-sample rates (contracts/review.ts ReviewRule) as JSON; unset: DEFAULT_REVIEW_RULE. See README "Review samples".
  OVERSIGHT_REVIEW_RULE: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return undefined;
      try {
        return parseReviewRule(s);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  OVERSIGHT_PLANNED_USERS: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return undefined;
      try {
        return z.record(z.string(), z.number().int().nonnegative()).parse(JSON.parse(s));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'OVERSIGHT_PLANNED_USERS must be JSON like {"mof": 32000}' });
        return z.NEVER;
      }
    }),
}).transform((e) => ({ ...e, PUBLIC_BASE_URL: (e.PUBLIC_BASE_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '') }));
export type Env = z.output<typeof EnvSchema>;

export class ConfigError extends Error {}

export function loadEnv(source: Record<string, string | undefined> = process.env): Env {
  // Empty strings count as unset, so `FOO= cmd` falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
