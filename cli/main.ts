// Entry point of the `oversight` CLI. Each command lives in cli/commands/<name>.ts and registers itself.
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/env.ts';
import { ChdbLockedError, EmbeddedDatabaseError } from '../clickhouse/client.ts';
import { MigrationError } from '../clickhouse/migrate.ts';
import { IngestSetupError } from '../pipelines/kafka-ingester.ts';
import { UsageError } from './usage-error.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerSchemas } from './commands/schemas.ts';
import { registerEvaluate } from './commands/evaluate.ts';
import { registerLaws } from './commands/laws.ts';
import { registerSimulate } from './commands/simulate.ts';
import { registerAlerts } from './commands/alerts.ts';
import { registerIngest } from './commands/ingest.ts';
import { registerServe } from './commands/serve.ts';
import { registerDemo } from './commands/demo.ts';
import { registerBench } from './commands/bench.ts';
import { registerUsers } from './commands/users.ts';
import { registerApiTokens } from './commands/api-tokens.ts';
import { registerRollups } from './commands/rollups.ts';
import { registerReview } from './commands/review.ts';
import { registerReports } from './commands/reports.ts';

export function buildProgram(): Command {
  const program = new Command('oversight')
    .description('Observability and safety evaluation for the government generative-AI platform')
    .showHelpAfterError()
    .exitOverride();
  registerMigrate(program);
  registerSchemas(program);
  registerEvaluate(program);
  registerLaws(program);
  registerSimulate(program);
  registerAlerts(program);
  registerIngest(program);
  registerServe(program);
  registerDemo(program);
  registerBench(program);
  registerUsers(program);
  registerApiTokens(program);
  registerRollups(program);
  registerReview(program);
  registerReports(program);
  return program;
}

/** Errors a user can act on are printed as one clear line; anything else keeps its stack. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode);
    // Lower layers that may not import cli/ mark such errors by name (e.g. KafkaSecurityError, OtlpTokenConfigError).
    const named = err instanceof Error && err.name === 'UsageError';
    if (err instanceof ConfigError || err instanceof ChdbLockedError || err instanceof EmbeddedDatabaseError || err instanceof MigrationError || err instanceof UsageError || err instanceof IngestSetupError || named) {
      console.error(`oversight: ${(err as Error).message}`);
      process.exit(2);
    }
    console.error(err);
    process.exit(1);
  }
}
