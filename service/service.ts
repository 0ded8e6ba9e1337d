// `oversight serve`: the one process that owns the embedded database. It hosts the SvelteKit
// dashboard (adapter-node handler), /metrics, /healthz, the admin API other CLI commands use while it
// runs, the Kafka ingester (when KAFKA_BROKERS is set) and the evaluator scheduler. With a ClickHouse
// server the same parts can run as separate processes instead (see README, "Running in production").
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Env } from '../config/env.ts';
import { getClickHouse, closeClickHouse, targetFromEnv } from '../clickhouse/client.ts';
import { migrateAndRecover } from '../pipelines/recover.ts';
import { writeAdminInfo, removeAdminInfo } from './admin-file.ts';
import { handleAdminRequest, type AdminContext } from './admin-api.ts';
import { metricsText } from './metrics-endpoint.ts';
import { createOtlpReceiver } from './otlp-receiver.ts';

const PROTOCOL_HEADER = 'x-oversight-protocol';
export const BUILD_HANDLER = fileURLToPath(new URL('../build/handler.js', import.meta.url));

export interface ServiceOptions {
  env: Env;
  /** Run the evaluator scheduler (default true). */
  evaluate?: boolean;
  /** Consume Kafka when KAFKA_BROKERS is set (default true). */
  ingest?: boolean;
  log?: (line: string) => void;
}

export interface RunningService {
  url: string;
  stop(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
interface Stoppable {
  stop(): Promise<void>;
}

export class MissingBuildError extends Error {
  override name = 'UsageError';
}

export async function startService(opts: ServiceOptions): Promise<RunningService> {
  const { env } = opts;
  const log = opts.log ?? ((l: string) => console.error(l));
  if (!existsSync(BUILD_HANDLER)) {
    throw new MissingBuildError('the dashboard is not built yet: run `npm run build` first (`npm run demo` builds it for you)');
  }
  const client = await getClickHouse(env);
  await migrateAndRecover(client, env, log);

  // adapter-node reads ORIGIN from the environment when its handler is imported. Without it, the
  // origin comes from each request's Host header, which is right for localhost on any port; behind a
  // proxy, set ORIGIN so SvelteKit's cross-site form check compares against the public address.
  // adapter-node would otherwise assume https, and every form post from http://localhost would fail
  // SvelteKit's cross-site check; this server speaks plain HTTP, so it says so in a header of its own
  // (overwriting any client-sent value, so it cannot be spoofed).
  if (env.ORIGIN) process.env.ORIGIN = env.ORIGIN;
  else process.env.PROTOCOL_HEADER = PROTOCOL_HEADER;
  // import-guard: src (the dashboard, as built into build/)
  const { handler } = (await import(pathToFileURL(BUILD_HANDLER).href)) as { handler: Handler };

  const parts: Stoppable[] = [];
  const admin: AdminContext = { client, env, token: randomBytes(24).toString('base64url'), log };

  if (opts.ingest !== false && env.KAFKA_BROKERS.length > 0) {
    const { startKafkaIngester } = await import('../pipelines/kafka-ingester.ts');
    parts.push(await startKafkaIngester({ client, env, log }));
    log(`ingesting from Kafka at ${env.KAFKA_BROKERS.join(',')}`);
  }
  if (opts.evaluate !== false) {
    const { startEvaluationScheduler } = await import('../evaluators/runner.ts');
    const { notifyIncidentsOpened } = await import('../alerts/notify.ts');
    // Several serve processes against one ClickHouse server split the evaluation with OVERSIGHT_EVAL_SHARD.
    const scheduler = startEvaluationScheduler(client, {
      intervalMs: env.EVAL_INTERVAL_SECONDS * 1000,
      log,
      shard: env.OVERSIGHT_EVAL_SHARD,
      onIncidentsOpened: notifyIncidentsOpened,
    });
    parts.push({ stop: async () => scheduler.stop() });
    admin.runEvaluation = () => scheduler.runNow();
  }

  // Alerts: the daily per-ministry digest, and on stop, incident alerts still coalescing go out.
  const { startDailyDigest } = await import('../alerts/digest.ts');
  const { closeAlerts } = await import('../alerts/notify.ts');
  const digest = startDailyDigest(client, { log });
  parts.unshift({
    stop: async () => {
      digest.stop();
      await closeAlerts();
    },
  });

  // OTLP/HTTP traces (README, "OpenTelemetry GenAI traces"); answers 404 until OTLP_INGEST_TOKENS is set.
  const otlp = createOtlpReceiver({ client, env, log });
  parts.push(otlp);

  const server: Server = createServer((req, res) => {
    req.headers[PROTOCOL_HEADER] = 'http';
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
    } else if (path === '/metrics') {
      metricsText()
        .then(({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body))
        .catch((err) => res.writeHead(500).end(String(err)));
    } else if (path === '/v1/traces') {
      otlp.handle(req, res);
    } else if (path.startsWith('/admin-api/')) {
      handleAdminRequest(admin, req, res);
    } else {
      handler(req, res, () => res.writeHead(404).end('not found'));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(env.PORT, env.HOST, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : env.PORT;
  const url = `http://localhost:${port}`;
  const target = targetFromEnv(env);
  if (target.kind === 'embedded') writeAdminInfo(target.where, { url: `http://127.0.0.1:${port}`, token: admin.token, pid: process.pid });

  let stopping: Promise<void> | undefined;
  return {
    url,
    stop() {
      stopping ??= (async () => {
        log('stopping: draining the ingester and the evaluator, then closing the database');
        server.closeIdleConnections?.();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        for (const part of parts.reverse()) await part.stop();
        if (target.kind === 'embedded') removeAdminInfo(target.where);
        await closeClickHouse();
      })();
      return stopping;
    },
  };
}

/** Stops the service on SIGTERM/SIGINT, finishing in-flight work first; a second signal forces exit. */
export function stopOnSignals(service: RunningService, log: (l: string) => void = console.error): void {
  let signalled = false;
  const onSignal = (sig: string) => {
    if (signalled) process.exit(130);
    signalled = true;
    log(`${sig} received`);
    service.stop().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}
