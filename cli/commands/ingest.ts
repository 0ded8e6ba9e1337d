// `oversight ingest`: the ingester as its own process.
//   oversight ingest                              consume KAFKA_BROKERS until SIGTERM/SIGINT; /metrics on --metrics-port
//   oversight ingest --from-file a.ndjson b.ndjson   backfill NDJSON files (topic from the file name or --topic)
//   oversight ingest --from-file - --topic genai.usage.v1 < events.ndjson
import type { Command } from 'commander';
import { createServer, type Server } from 'node:http';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { loadEnv, type Env } from '../../config/env.ts';
import { closeClickHouse, getClickHouse, targetFromEnv } from '../../clickhouse/client.ts';
import { migrateAndRecover } from '../../pipelines/recover.ts';
import { createReadStream } from 'node:fs';
import { FileSourceError, ingestFiles, ingestStream, spoolStdin, type IngestSummary } from '../../pipelines/file-source.ts';
import { startKafkaIngester } from '../../pipelines/kafka-ingester.ts';
import { registry as pipelineRegistry } from '../../pipelines/metrics.ts';
import { UsageError } from '../usage-error.ts';

interface IngestOptions {
  fromFile?: string[];
  topic?: string;
  group?: string;
  topicPrefix?: string;
  metrics: boolean;
  metricsPort: string;
  sessionTimeout: string;
}

const log = (line: string) => console.error(`[ingest] ${line}`);

function formatSummary(s: Omit<IngestSummary, 'seconds' | 'eventsPerSecond'>, seconds: number, peakRss: number): string {
  const rate = Math.round(s.read / Math.max(seconds, 1e-3));
  return (
    `read ${s.read}, inserted ${s.inserted}, duplicates ${s.duplicates}, DLQ ${s.rejected} ` +
    `in ${seconds.toFixed(1)} s (${rate} events/s, peak RSS ${Math.round(peakRss / 1048576)} MB)`
  );
}

function serveMetrics(env: Env, port: number): Promise<Server> {
  const processRegistry = new Registry();
  collectDefaultMetrics({ register: processRegistry, prefix: 'oversight_' });
  const merged = Registry.merge([processRegistry, pipelineRegistry]);
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      merged.metrics().then(
        (body) => res.writeHead(200, { 'content-type': merged.contentType }).end(body),
        (err) => res.writeHead(500).end(String(err)),
      );
    } else res.writeHead(404).end('see /metrics\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new UsageError(`cannot serve /metrics on port ${port}: ${err.message} (use --metrics-port or --no-metrics)`)));
    server.listen(port, env.HOST, () => resolve(server));
  });
}

async function fromFiles(env: Env, opts: IngestOptions): Promise<void> {
  const files = opts.fromFile!;
  const stdin = files.length === 1 && files[0] === '-';
  if (!stdin && files.includes('-')) throw new UsageError('use `--from-file -` alone to read stdin');
  if (stdin && !opts.topic) throw new UsageError('reading stdin needs --topic (genai.usage.v1, genai.outputs.v1 or genai.feedback.v1)');
  // Read stdin to its end before the embedded database opens (see spoolStdin).
  const spooled = stdin ? await spoolStdin() : undefined;
  let peakRss = process.memoryUsage().rss;
  const onProgress = (p: { read: number; eventsPerSecond: number; source: string }) => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    log(`${p.source}: ${p.read} read, ${p.eventsPerSecond} events/s`);
  };
  try {
    const client = await getClickHouse(env);
    await migrateAndRecover(client, env, log);
    const summary = await (spooled
      ? ingestStream(client, createReadStream(spooled.path), { env, topic: opts.topic!, sourceName: 'stdin', onProgress, log })
      : ingestFiles(client, files, { env, topic: opts.topic, onProgress, log })
    ).catch((err) => {
      throw err instanceof FileSourceError ? new UsageError(err.message) : err;
    });
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    log(`done: ${formatSummary(summary, summary.seconds, peakRss)}`);
  } finally {
    spooled?.cleanup();
    await closeClickHouse();
  }
}

async function fromKafka(env: Env, opts: IngestOptions): Promise<void> {
  if (!env.KAFKA_BROKERS.length) {
    throw new UsageError('set KAFKA_BROKERS (e.g. KAFKA_BROKERS=127.0.0.1:9092) to consume Kafka, or use --from-file <path...>');
  }
  const sessionTimeoutMs = Number(opts.sessionTimeout);
  if (!Number.isInteger(sessionTimeoutMs) || sessionTimeoutMs < 6000) throw new UsageError('--session-timeout must be at least 6000 ms (the broker minimum)');
  const client = await getClickHouse(env);
  await migrateAndRecover(client, env, log);
  let server: Server | undefined;
  if (opts.metrics) {
    const port = Number(opts.metricsPort);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--metrics-port must be a port number, got ${opts.metricsPort}`);
    server = await serveMetrics(env, port);
    const addr = server.address();
    log(`metrics on http://${env.HOST}:${typeof addr === 'object' && addr ? addr.port : port}/metrics`);
  }
  const target = targetFromEnv(env);
  const started = performance.now();
  const ingester = await startKafkaIngester({ client, env, log, groupId: opts.group, topicPrefix: opts.topicPrefix, sessionTimeoutMs });
  log(`consuming ${env.KAFKA_BROKERS.join(',')} as group ${ingester.groupId} into ${target.kind} ${target.where}`);

  const totals = () => {
    const t = { read: 0, inserted: 0, duplicates: 0, rejected: 0 };
    for (const c of Object.values(ingester.counts())) {
      t.read += c.read;
      t.inserted += c.inserted;
      t.duplicates += c.duplicates;
      t.rejected += c.rejected;
    }
    return t;
  };
  let peakRss = process.memoryUsage().rss;
  let lastRead = 0;
  let lastAt = performance.now();
  const progress = setInterval(() => {
    const t = totals();
    const now = performance.now();
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (t.read !== lastRead) {
      log(`${t.read} read (${Math.round(((t.read - lastRead) * 1000) / (now - lastAt))} events/s), ${t.inserted} inserted, ${t.duplicates} duplicates, ${t.rejected} DLQ`);
    }
    lastRead = t.read;
    lastAt = now;
  }, 2000);

  await new Promise<void>((resolve) => {
    const onSignal = (sig: string) => {
      log(`${sig}: stopping fetches, storing and committing what is in flight`);
      resolve();
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
  clearInterval(progress);
  await ingester.stop();
  server?.close();
  await closeClickHouse();
  log(`stopped: ${formatSummary(totals(), (performance.now() - started) / 1000, peakRss)}`);
  if (!ingester.drained) {
    log('some batches could not be stored; their offsets were not committed and they will be consumed again');
    process.exitCode = 1;
  }
}

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('consume the platform topics from Kafka (KAFKA_BROKERS) or ingest NDJSON files/stdin into ClickHouse')
    .option('--from-file <paths...>', 'NDJSON files (optionally .gz) named genai.usage.v1*, genai.outputs.v1*, genai.feedback.v1*; "-" reads stdin')
    .option('--topic <topic>', 'topic of the files or stdin when their names do not say it')
    .option('--group <id>', 'Kafka consumer group (default: $KAFKA_GROUP_PREFIX-ingest)')
    .option('--topic-prefix <prefix>', 'prefix of every topic name, e.g. "staging." on a shared cluster', '')
    .option('--metrics-port <port>', 'serve Prometheus /metrics on this port in Kafka mode (0: any free port)', '9464')
    .option('--no-metrics', 'do not serve /metrics')
    .option('--session-timeout <ms>', 'consumer group session timeout: how soon a crashed member\'s partitions move to the others', '30000')
    .action(async (opts: IngestOptions) => {
      const env = loadEnv();
      if (opts.fromFile?.length) await fromFiles(env, opts);
      else if (opts.topic) throw new UsageError('--topic only applies to --from-file');
      else await fromKafka(env, opts);
    });
}
