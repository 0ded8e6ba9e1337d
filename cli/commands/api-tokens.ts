// `oversight api-tokens issue|list|revoke`: read-API tokens (issue 14) from the command line, for the
// first admin token and for scripts. While `oversight serve` owns the embedded database, use the API
// itself (POST /api/v1/tokens with an admin token, or signed in as an admin) or stop it first.
import type { Command } from 'commander';
import { userInfo } from 'node:os';
import { loadEnv } from '../../config/env.ts';
import { closeClickHouse, getClickHouse, targetFromEnv, type ClickHouseClient } from '../../clickhouse/client.ts';
import { migrate } from '../../clickhouse/migrate.ts';
import { findRunningService } from '../../service/admin-file.ts';
import { ApiAuthError, issueApiToken, listApiTokens, revokeApiTokenById } from '../../src/lib/server/api/tokens.ts';
import { writeAudit, type AuditActor } from '../../src/lib/server/audit.ts';
import { UsageError } from '../usage-error.ts';

async function withTokens<T>(work: (client: ClickHouseClient, who: AuditActor) => Promise<T>): Promise<T> {
  const env = loadEnv();
  const target = targetFromEnv(env);
  if (target.kind === 'embedded' && findRunningService(target.where)) {
    throw new UsageError(`oversight serve is running on ${target.where} and owns the database: use POST /api/v1/tokens with an admin token, or stop it first`);
  }
  const client = await getClickHouse(env);
  try {
    await migrate(client, { cluster: env.CLICKHOUSE_CLUSTER, rawTextTtlDays: env.RAW_TEXT_TTL_DAYS });
    let os = 'unknown';
    try {
      os = userInfo().username;
    } catch {
      // keep "unknown"
    }
    return await work(client, { actor: `cli:${os}`, role: 'cli', ip: '', user_agent: 'oversight-cli' });
  } catch (err) {
    if (err instanceof ApiAuthError) throw new UsageError(err.message);
    throw err;
  } finally {
    await closeClickHouse();
  }
}

export function registerApiTokens(program: Command): void {
  const cmd = program.command('api-tokens').description('read-API tokens (/api/v1): issue, list, revoke');
  cmd
    .command('issue <name>')
    .description('issue a token for a role (and a ministry for a caio); prints the secret once')
    .requiredOption('--role <role>', 'admin, reviewer, leadership or caio')
    .option('--ministry <code>', 'the ministry of a caio token')
    .option('--days <n>', 'lifetime in days (default API_TOKEN_DAYS)')
    .action(async (name: string, opts: { role: string; ministry?: string; days?: string }) => {
      await withTokens(async (client, who) => {
        const t = await issueApiToken(client, { name, role: opts.role, ministry: opts.ministry, days: Number(opts.days ?? loadEnv().API_TOKEN_DAYS), by: who.actor });
        await writeAudit(client, who, { action: 'api_token_issue', target: t.token_id, ministry: t.ministry, detail: { role: t.role, expires_at: t.expires_at } });
        console.log(`token ${t.token_id} (${t.role}${t.ministry ? ` ${t.ministry}` : ''}, expires ${t.expires_at}):\n${t.token}`);
      });
    });
  cmd
    .command('list')
    .description('list tokens (no secrets)')
    .action(async () => {
      await withTokens(async (client) => {
        for (const t of await listApiTokens(client)) {
          console.log([t.token_id, t.name, t.role, t.ministry || '-', `expires ${t.expires_at}`, Number(t.revoked) ? 'REVOKED' : 'active'].join('\t'));
        }
      });
    });
  cmd
    .command('revoke <id>')
    .description('revoke a token at once')
    .action(async (id: string) => {
      await withTokens(async (client, who) => {
        const t = await revokeApiTokenById(client, id);
        await writeAudit(client, who, { action: 'api_token_revoke', target: t.token_id, ministry: t.ministry });
        console.log(`revoked ${t.token_id}`);
      });
    });
}
