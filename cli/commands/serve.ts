import type { Command } from 'commander';
import { loadEnv } from '../../config/env.ts';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the dashboard, the Kafka ingester (when KAFKA_BROKERS is set) and the evaluator scheduler in one process')
    .option('--port <n>', 'HTTP port (default: PORT or 3000)')
    .option('--no-evaluate', 'do not run the evaluator scheduler')
    .option('--no-ingest', 'do not consume Kafka even when KAFKA_BROKERS is set')
    .action(async (opts: { port?: string; evaluate: boolean; ingest: boolean }) => {
      const env = loadEnv({ ...process.env, ...(opts.port ? { PORT: opts.port } : {}) });
      // Loaded on use: the service pulls in the dashboard build, Kafka and the evaluators.
      const { startService, stopOnSignals } = await import('../../service/service.ts');
      const service = await startService({ env, evaluate: opts.evaluate, ingest: opts.ingest });
      stopOnSignals(service);
      console.error(`Oversight dashboard: ${service.url}  (metrics: ${service.opsUrl}/metrics; Ctrl-C to stop)`);
    });
}
