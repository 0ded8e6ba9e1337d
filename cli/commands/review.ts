// `oversight review`: draw review samples by hand (the service draws each completed week on its own)
// and export the labeled samples as a dev set for the offline scorer:
//   oversight review sample --week 2026-11-02 [--rule rule.json]
//   oversight review sample --due                      # every completed week not drawn yet
//   oversight review export --out samples.ndjson [--ministry mof]
//   node ../shared/tools/score-evaluators.mjs samples.ndjson -- npx oversight evaluate --input
import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { loadEnv } from '../../config/env.ts';
import { closeClickHouse, getClickHouse } from '../../clickhouse/client.ts';
import { migrate } from '../../clickhouse/migrate.ts';
import { parseReviewRule } from '../../contracts/review.ts';
import { isMinistryCode } from '../../contracts/ministries.ts';
import { UsageError } from '../usage-error.ts';

export function registerReview(program: Command): void {
  const review = program.command('review').description('review samples: draw a week\'s sample, export labeled samples as a dev set');
  review
    .command('sample')
    .description('draw the review sample of one week (--week) or of every completed week not drawn yet (--due)')
    .option('--week <date>', 'a day of the week to draw (rounded to its Monday)')
    .option('--due', 'every completed week of the last 8 that has no round under this rule yet')
    .option('--rule <file>', 'a review rule as JSON (default: OVERSIGHT_REVIEW_RULE, else the built-in rule)')
    .action(async (opts: { week?: string; due?: boolean; rule?: string }) => {
      if (!opts.week === !opts.due) throw new UsageError('give either --week <date> or --due');
      if (opts.week && (!/^\d{4}-\d{2}-\d{2}$/.test(opts.week) || Number.isNaN(Date.parse(opts.week)))) throw new UsageError(`--week must be a date like 2026-11-02, got ${opts.week}`);
      const env = loadEnv();
      let rule;
      try {
        rule = opts.rule ? parseReviewRule(readFileSync(opts.rule, 'utf8')) : undefined;
      } catch (err) {
        throw new UsageError(`--rule ${opts.rule}: ${(err as Error).message}`);
      }
      const { configuredRule, sampleDueWeeks, sampleWeek } = await import('../../src/lib/server/review/samples.ts');
      const { weekOf } = await import('../../src/lib/server/review/sampling.ts');
      const chosen = rule ?? configuredRule(env.OVERSIGHT_REVIEW_RULE);
      const who = { actor: `cli:${userInfo().username}`, role: '', ip: '', user_agent: 'oversight review sample' };
      const client = await getClickHouse(env);
      try {
        await migrate(client, { cluster: env.CLICKHOUSE_CLUSTER, rawTextTtlDays: env.RAW_TEXT_TTL_DAYS });
        const rounds = opts.week
          ? [await sampleWeek(client, { week: weekOf(opts.week), rule: chosen, who, trigger: 'manual' })]
          : await sampleDueWeeks(client, chosen, { who, trigger: 'manual' });
        for (const r of rounds) console.log(`${r.round_id}: ${r.sampled} of ${r.population} outputs sampled, ${r.added} new items`);
        if (rounds.length === 0) console.error('no completed week is due (each has a round under this rule, or no outputs)');
      } finally {
        await closeClickHouse();
      }
    });
  review
    .command('export')
    .description('labeled review samples as NDJSON in the dev-set format (expected, note) for score-evaluators.mjs')
    .option('--out <file>', 'write here instead of stdout')
    .option('--ministry <code>', 'only this ministry\'s samples')
    .action(async (opts: { out?: string; ministry?: string }) => {
      if (opts.ministry && !isMinistryCode(opts.ministry)) throw new UsageError(`unknown ministry code ${JSON.stringify(opts.ministry)}`);
      const env = loadEnv();
      const { exportDevSet, toNdjson } = await import('../../src/lib/server/review/export.ts');
      const { writeAudit } = await import('../../src/lib/server/audit.ts');
      const client = await getClickHouse(env);
      try {
        await migrate(client, { cluster: env.CLICKHOUSE_CLUSTER, rawTextTtlDays: env.RAW_TEXT_TTL_DAYS });
        const lines = await exportDevSet(client, { scope: opts.ministry ?? null });
        await writeAudit(client, { actor: `cli:${userInfo().username}`, role: '', ip: '', user_agent: 'oversight review export' }, {
          action: 'export_raw', target: 'review_samples', ministry: opts.ministry ?? '', detail: { lines: lines.length, format: 'dev-set ndjson' },
        });
        if (opts.out) {
          writeFileSync(opts.out, toNdjson(lines));
          console.error(`${lines.length} labeled samples written to ${opts.out}`);
        } else process.stdout.write(toNdjson(lines));
      } finally {
        await closeClickHouse();
      }
    });
}
