// `oversight serve`: the one process that owns the embedded database. It hosts the SvelteKit
// dashboard (adapter-node handler) and /healthz on the public listener; /metrics and the admin API
// other CLI commands use while it runs on a separate operations listener (loopback by default, see
// listeners.ts); the Kafka ingester (when KAFKA_BROKERS is set) and the evaluator scheduler. With a
// ClickHouse server the same parts can run as separate processes instead (README, "Running in production").
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Env } from '../config/env.ts';
import { getClickHouse, closeClickHouse, targetFromEnv } from '../clickhouse/client.ts';
import { migrateAndRecover } from '../pipelines/recover.ts';
import { writeAdminInfo, removeAdminInfo } from './admin-file.ts';
import { handleAdminRequest, type AdminContext } from './admin-api.ts';
import { metricsText } from './metrics-endpoint.ts';
import { opsListener, publicListener, type NodeHandler } from './listeners.ts';
import { hostPolicy } from '../src/lib/server/http-security.ts';
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
  /** The operations listener: /metrics, /admin-api/, /healthz. */
  opsUrl: string;
  stop(): Promise<void>;
}

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
  else {
    // An empty ORIGIN counts as unset here (README), but adapter-node would refuse to start on it.
    delete process.env.ORIGIN;
    process.env.PROTOCOL_HEADER = PROTOCOL_HEADER;
  }
  // import-guard: src (the dashboard, as built into build/)
  const { handler } = (await import(pathToFileURL(BUILD_HANDLER).href)) as { handler: NodeHandler };

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

  if (opts.evaluate !== false) {
    // Review samples (issue 12): each completed week is drawn once; runs in every evaluating process,
    // which draw the same items (membership is a hash of round and output id).
    const { startReviewSampler, configuredRule } = await import('../src/lib/server/review/samples.ts');
    const sampler = startReviewSampler(client, { rule: configuredRule(env.OVERSIGHT_REVIEW_RULE), log });
    parts.push({ stop: async () => sampler.stop() });
    // The heatmap's stored weekly active users (migration 0195): each completed week is counted once.
    const { startWeeklyActiveUsersCounter } = await import('../src/lib/server/queries/weekly-active-users.ts');
    const counter = startWeeklyActiveUsersCounter(client, { log });
    parts.push({ stop: async () => counter.stop() });
  }

  // Alerts: the daily per-ministry digest, and on stop, incident alerts still coalescing go out.
  const { startDailyDigest } = await import('../alerts/digest.ts');
  const { closeAlerts } = await import('../alerts/notify.ts');
  // One embedded process owns its database, so its claim needs no wait for other processes' claims.
  const digest = startDailyDigest(client, { log, claim: targetFromEnv(env).kind === 'embedded' ? { settleMs: 0 } : {} });
  // Reports: every ministry's monthly report on the first working day, when OVERSIGHT_MONTHLY_REPORTS=1.
  const { startMonthlyReports } = await import('../src/lib/server/reports/schedule.ts');
  const monthly = startMonthlyReports(client, { log });
  parts.unshift({
    stop: async () => {
      monthly.stop();
      digest.stop();
      await closeAlerts();
    },
  });

  // OTLP/HTTP traces (README, "OpenTelemetry GenAI traces"); answers 404 until OTLP_INGEST_TOKENS is set.
  const otlp = createOtlpReceiver({ client, env, log });
  parts.push(otlp);

  const hosts = hostPolicy(env);
  const server: Server = createServer(
    publicListener({
      hosts,
      handler,
      traces: (req, res) => otlp.handle(req, res),
      beforeHandler: (req) => {
        req.headers[PROTOCOL_HEADER] = 'http';
      },
    }),
  );
  const ops: Server = createServer(opsListener({ hosts, routes: { metrics: metricsText, admin: (req, res) => handleAdminRequest(admin, req, res) } }));
  const port = await listen(server, env.PORT, env.HOST);
  const opsPort = await listen(ops, env.OPS_PORT, env.OPS_HOST).catch(async (err: Error) => {
    await new Promise((r) => server.close(r));
    throw new Error(`cannot open the operations listener on ${env.OPS_HOST}:${env.OPS_PORT} (/metrics, /admin-api): ${err.message}; set OPS_PORT (0: any free port)`);
  });
  const url = `http://localhost:${port}`;
  const opsHost = env.OPS_HOST === '0.0.0.0' || env.OPS_HOST === '::' ? '127.0.0.1' : env.OPS_HOST;
  const opsUrl = `http://${opsHost.includes(':') ? `[${opsHost}]` : opsHost}:${opsPort}`;
  const target = targetFromEnv(env);
  if (target.kind === 'embedded') writeAdminInfo(target.where, { url: opsUrl, dashboard: url, token: admin.token, pid: process.pid });

  let stopping: Promise<void> | undefined;
  return {
    url,
    opsUrl,
    stop() {
      stopping ??= (async () => {
        log('stopping: draining the ingester and the evaluator, then closing the database');
        for (const s of [server, ops]) s.closeIdleConnections?.();
        await Promise.all([server, ops].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
        for (const part of parts.reverse()) await part.stop();
        if (target.kind === 'embedded') removeAdminInfo(target.where);
        await closeClickHouse();
      })();
      return stopping;
    },
  };
}

/** Listens and returns the port it got (PORT 0: any free one). */
function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
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
