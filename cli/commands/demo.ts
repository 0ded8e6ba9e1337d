// `oversight demo` (npm run demo): the whole product on one machine from nothing. It migrates an
// embedded chDB, generates weeks of multi-ministry pilot traffic with planted risks, ingests it
// (from files, or through Kafka when KAFKA_BROKERS is set), runs the evaluators, creates one login
// per role and serves the dashboard.
import type { Command } from 'commander';
import { rmSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadEnv, type Env } from '../../config/env.ts';
import { plannedUsers } from '../../contracts/ministries.ts';
import { getClickHouse, queryRows, targetFromEnv, type ClickHouseClient } from '../../clickhouse/client.ts';
import { migrateAndRecover } from '../../pipelines/recover.ts';
import { findRunningService } from '../../service/admin-file.ts';
import { UsageError } from '../usage-error.ts';
import { resolveWindow } from './simulate.ts';
import { triageWithGroundTruth, type PlantedCategories } from '../demo-triage.ts';
import type { PlantRecord } from '../../pipelines/simulate/index.ts';

interface DemoFlags {
  days: string;
  scale: string;
  seed: string;
  fresh?: boolean;
  serve: boolean;
}

const log = (line: string) => process.stderr.write(`demo: ${line}\n`);

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('generate pilot traffic, ingest it, run the evaluators and serve the dashboard (embedded chDB)')
    .option('--days <n>', 'days of traffic to generate', '28')
    .option('--scale <fraction>', 'fraction of each ministry\'s planned users', '0.02')
    .option('--seed <seed>', 'seed of the generated traffic', 'oversight-demo')
    .option('--fresh', 'delete the demo database first and generate everything again')
    .option('--no-serve', 'stop after loading the data (do not start the dashboard)')
    .action(async (flags: DemoFlags) => {
      // The demo's logins are printed and published, so it listens on loopback only unless HOST says otherwise.
      const env = loadEnv({ ...process.env, HOST: process.env.HOST ?? '127.0.0.1' });
      const target = targetFromEnv(env);
      if (target.kind === 'embedded') {
        const running = findRunningService(target.where);
        if (running) throw new UsageError(`Oversight is already running on ${target.where} (pid ${running.pid}); open ${running.dashboard ?? running.url.replace('127.0.0.1', 'localhost')} or stop it first`);
        if (flags.fresh) rmSync(target.where, { recursive: true, force: true });
        if (flags.fresh) rmSync(`${target.where}.demo.json`, { force: true });
      } else if (flags.fresh) {
        throw new UsageError('--fresh only deletes the embedded demo database; against a ClickHouse server, drop the tables yourself');
      }

      const { dashboardBuildIsStale, buildDashboard } = await import('../../service/build-check.ts');
      if (flags.serve && dashboardBuildIsStale()) buildDashboard(log);

      const client = await getClickHouse(env);
      await migrateAndRecover(client, env, log, log);
      const [{ outputs }] = await queryRows<{ outputs: number }>(client, 'SELECT count() AS outputs FROM outputs');
      let planted: PlantedCategories | undefined;
      if (outputs > 0) {
        log(`the database already holds ${outputs.toLocaleString()} outputs: reusing them (use --fresh to start over)`);
      } else {
        planted = await loadTraffic(client, env, flags);
      }

      const { runEvaluationOnce, describeRun } = await import('../../evaluators/runner.ts');
      const { notifyIncidentsOpened } = await import('../../alerts/notify.ts');
      // Everything was ingested above, so there is no in-flight insert to wait for (settleMs 0).
      const evaluated = await runEvaluationOnce(client, { log, settleMs: 0, onIncidentsOpened: notifyIncidentsOpened });
      log(`evaluators: ${describeRun(evaluated)}`);
      if (planted) await triageWithGroundTruth(client, planted, { share: 0.3, log });
      // The review sample, labeled from the ground truth with reviewer errors: recall with intervals.
      const { demoReview, DEMO_REVIEW_RULE } = await import('../demo-review.ts');
      if (planted) {
        const [{ first }] = await queryRows<{ first: string }>(client, 'SELECT toString(toDate(min(occurred_at))) AS first FROM outputs');
        await demoReview(client, planted, { from: first, log });
      }
      // The service's scheduled sampler and the admin's "sample now" keep drawing under the demo's rule.
      env.OVERSIGHT_REVIEW_RULE ??= DEMO_REVIEW_RULE;
      process.env.OVERSIGHT_REVIEW_RULE ||= JSON.stringify(env.OVERSIGHT_REVIEW_RULE);

      const { ensureDemoUsers } = await import('../../src/lib/server/auth/accounts.ts');
      const users = await ensureDemoUsers(client);
      if (!flags.serve) return;

      // The simulated population is `scale` × each ministry's planned users; the dashboard's planned users
      // are scaled the same way (unless the operator set OVERSIGHT_PLANNED_USERS), so adoption reads as
      // it would at full size.
      const scale = rememberDemoScale(target.where, Number(flags.scale), planted !== undefined);
      if (!process.env.OVERSIGHT_PLANNED_USERS) {
        const scaled = Object.fromEntries([...plannedUsers()].map(([code, n]) => [code, Math.max(1, Math.round(n * scale))]));
        process.env.OVERSIGHT_PLANNED_USERS = JSON.stringify(scaled);
        log(`planned users scaled by ${scale} to match the simulated population`);
      }
      const { startService, stopOnSignals } = await import('../../service/service.ts');
      const service = await startService({ env, log });
      stopOnSignals(service);
      const width = Math.max(...users.map((u) => u.username.length));
      const lines = [
        '',
        `Oversight demo is running: ${service.url}`,
        '',
        'Demo logins (one per role):',
        ...users.map((u) => `  ${u.username.padEnd(width)}  ${u.password.padEnd(22)}  ${u.role}${u.ministry ? ` (${u.ministry})` : ''}`),
        '',
        'Ctrl-C stops it; `npm run demo` again reuses the data (add -- --fresh to regenerate).',
        '',
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
}

/** The scale the demo data was generated at, kept beside the data so a rerun shows the same adoption. */
function rememberDemoScale(dataDir: string, scale: number, generatedNow: boolean): number {
  const file = `${resolve(dataDir)}.demo.json`;
  if (generatedNow || !existsSync(file)) {
    writeFileSync(file, JSON.stringify({ scale }));
    return scale;
  }
  return (JSON.parse(readFileSync(file, 'utf8')) as { scale: number }).scale;
}

/** Generates and ingests the traffic; returns what the simulator planted in each output. */
async function loadTraffic(client: ClickHouseClient, env: Env, flags: DemoFlags): Promise<PlantedCategories> {
  const { createFileSink, createKafkaSink, runSimulation } = await import('../../pipelines/simulate/index.ts');
  const window = resolveWindow({ days: flags.days }, Date.now());
  const options = {
    seed: flags.seed,
    start: window.start,
    days: window.days,
    scale: Number(flags.scale),
    plannedUsers: plannedUsers(env.OVERSIGHT_PLANNED_USERS),
  };
  if (!(options.scale > 0 && options.scale <= 1)) throw new UsageError('--scale must be a number in (0, 1]');
  const planted: PlantedCategories = new Map();
  const onPlant = (r: PlantRecord) => {
    if (r.category === 'benign') return;
    if (!planted.has(r.output_id)) planted.set(r.output_id, new Set());
    planted.get(r.output_id)!.add(r.category);
  };
  log(`generating ${window.days} days of traffic from ${window.start} for all ministries (scale ${options.scale}, seed ${flags.seed})`);

  if (env.KAFKA_BROKERS.length > 0) {
    // Through the real pipeline: produce to Kafka, then the service's consumer group ingests it.
    const sink = await createKafkaSink({ brokers: env.KAFKA_BROKERS, env });
    const run = await runSimulation(options, sink, { progress: log, onPlant });
    log(`produced ${run.stats.events.toLocaleString()} events to Kafka at ${env.KAFKA_BROKERS.join(',')}; ingesting them`);
    const { startKafkaIngester } = await import('../../pipelines/kafka-ingester.ts');
    const ingester = await startKafkaIngester({ client, env, log });
    await waitForOutputs(client, run.stats.events);
    await ingester.stop();
    return planted;
  }

  const dir = resolve(join(env.OVERSIGHT_DATA_DIR, '..', 'demo-traffic'));
  const sink = createFileSink(dir);
  const run = await runSimulation(options, sink, { progress: log, onPlant });
  log(`generated ${run.stats.events.toLocaleString()} events (${run.stats.events_per_second.toLocaleString()}/s) into ${dir}`);
  const { ingestFiles } = await import('../../pipelines/file-source.ts');
  const paths = Object.values(sink.paths).filter((p) => existsSync(p));
  const summary = await ingestFiles(client, paths, {
    env,
    pathOptions: {
      onStall: (err, attempt, delayMs) => log(`insert failed (attempt ${attempt}), retrying in ${Math.round(delayMs)} ms: ${(err as Error).message}`),
      onRecover: () => log('ClickHouse accepts inserts again'),
    },
    onProgress: (p) => log(`ingesting ${p.source}: ${p.read.toLocaleString()} read (${Math.round(p.eventsPerSecond).toLocaleString()}/s)`),
  });
  log(`ingested ${summary.inserted.toLocaleString()} events in ${summary.seconds.toFixed(1)} s (${Math.round(summary.eventsPerSecond).toLocaleString()}/s), ${summary.rejected} rejected`);
  return planted;
}

/** Waits until the consumer has stored everything produced (all three tables), with progress. */
async function waitForOutputs(client: ClickHouseClient, produced: number): Promise<void> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    const [{ n }] = await queryRows<{ n: number }>(
      client,
      'SELECT (SELECT count() FROM usage_events) + (SELECT count() FROM outputs) + (SELECT count() FROM feedback) + (SELECT count() FROM ingest_errors) AS n',
    );
    log(`ingested ${n.toLocaleString()} of ${produced.toLocaleString()} events`);
    if (n >= produced) return;
    if (Date.now() > deadline) throw new Error(`only ${n} of ${produced} events arrived from Kafka within 10 minutes`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}
