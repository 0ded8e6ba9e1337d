// `oversight users add|list|disable|enable|passwd`: local accounts of the dashboard. Every change is
// written to the audit log as actor cli:<os user>. While `oversight serve` owns the embedded database
// this stops with a pointer to the dashboard's admin page instead (the running service holds the lock).
import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { loadEnv } from '../../config/env.ts';
import { closeClickHouse, getClickHouse, targetFromEnv, type ClickHouseClient } from '../../clickhouse/client.ts';
import { migrate } from '../../clickhouse/migrate.ts';
import { findRunningService } from '../../service/admin-file.ts';
import { AccountError, createUser, listUsers, updateUser } from '../../src/lib/server/auth/accounts.ts';
import { ROLES } from '../../src/lib/server/auth/roles.ts';
import { writeAudit, type AuditActor } from '../../src/lib/server/audit.ts';
import { UsageError } from '../usage-error.ts';

async function withAccounts<T>(work: (client: ClickHouseClient, who: AuditActor) => Promise<T>): Promise<T> {
  const env = loadEnv();
  const target = targetFromEnv(env);
  if (target.kind === 'embedded' && findRunningService(target.where)) {
    throw new UsageError(
      `oversight serve is running on ${target.where} and owns the database: manage users on its dashboard (/admin/users) or stop it first`,
    );
  }
  const client = await getClickHouse(env);
  try {
    await migrate(client, { cluster: env.CLICKHOUSE_CLUSTER, rawTextTtlDays: env.RAW_TEXT_TTL_DAYS });
    const who: AuditActor = { actor: `cli:${safeOsUser()}`, role: 'cli', ip: '', user_agent: 'oversight-cli' };
    return await work(client, who);
  } catch (err) {
    if (err instanceof AccountError) throw new UsageError(err.message);
    throw err;
  } finally {
    await closeClickHouse();
  }
}

function safeOsUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

async function readStdinPassword(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
  if (!password) throw new UsageError('--password-stdin: nothing was read from stdin');
  return password;
}

/** A new password: from stdin when asked, else a random one printed once. */
async function newPassword(opts: { passwordStdin?: boolean }): Promise<{ password: string; generated: boolean }> {
  if (opts.passwordStdin) return { password: await readStdinPassword(), generated: false };
  return { password: randomBytes(15).toString('base64url'), generated: true };
}

export function registerUsers(program: Command): void {
  const users = program.command('users').description('manage dashboard accounts (local passwords; SSO users map onto the same accounts)');

  users
    .command('add <username>')
    .description('create an account; prints a generated password unless --password-stdin or --sso-only')
    .requiredOption('--role <role>', `(required) one of ${ROLES.join(', ')}`)
    .option('--ministry <code>', 'the ministry of a caio (e.g. mof)')
    .option('--name <display name>', 'name shown in the dashboard')
    .option('--password-stdin', 'read the password from stdin')
    .option('--sso-only', 'no password: the user signs in through SSO only')
    .action(async (username: string, opts: { role: string; ministry?: string; name?: string; passwordStdin?: boolean; ssoOnly?: boolean }) => {
      if (opts.ssoOnly && opts.passwordStdin) throw new UsageError('--sso-only and --password-stdin exclude each other');
      const secret = opts.ssoOnly ? undefined : await newPassword(opts);
      await withAccounts(async (client, who) => {
        const user = await createUser(client, {
          username,
          role: opts.role,
          ministry: opts.ministry ?? null,
          display_name: opts.name,
          password: secret?.password,
        });
        await writeAudit(client, who, { action: 'user_create', target: user.username, ministry: user.ministry, detail: { role: user.role, sso_only: !secret } });
        console.error(`created ${user.username} (${user.role}${user.ministry ? `, ${user.ministry}` : ''})`);
        if (secret?.generated) console.log(`password: ${secret.password}`);
      });
    });

  users
    .command('list')
    .description('list accounts')
    .option('--json', 'one JSON object per line')
    .action(async (opts: { json?: boolean }) => {
      await withAccounts(async (client) => {
        const rows = await listUsers(client);
        if (opts.json) {
          for (const u of rows) console.log(JSON.stringify(u));
          return;
        }
        const table = rows.map((u) => [u.username, u.role, u.ministry || '-', u.disabled ? 'disabled' : 'active', u.has_password ? 'password' : 'sso-only', u.display_name]);
        const header = ['USERNAME', 'ROLE', 'MINISTRY', 'STATE', 'LOGIN', 'NAME'];
        const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
        for (const r of [header, ...table]) console.log(r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
        console.error(`${rows.length} accounts`);
      });
    });

  for (const [name, disabled] of [['disable', true], ['enable', false]] as const) {
    users
      .command(`${name} <username>`)
      .description(disabled ? 'disable an account and end its sessions' : 'enable a disabled account')
      .action(async (username: string) => {
        await withAccounts(async (client, who) => {
          const user = await updateUser(client, username, { disabled });
          await writeAudit(client, who, { action: disabled ? 'user_disable' : 'user_update', target: username, ministry: user.ministry, detail: { enabled: !disabled } });
          console.error(`${name}d ${username}`);
        });
      });
  }

  users
    .command('passwd <username>')
    .description('set a new password (ends the sessions); prints a generated one unless --password-stdin')
    .option('--password-stdin', 'read the password from stdin')
    .action(async (username: string, opts: { passwordStdin?: boolean }) => {
      const secret = await newPassword(opts);
      await withAccounts(async (client, who) => {
        const user = await updateUser(client, username, { password: secret.password });
        await writeAudit(client, who, { action: 'user_update', target: username, ministry: user.ministry, detail: { password_reset: true } });
        console.error(`new password set for ${username}; their sessions were ended`);
        if (secret.generated) console.log(`password: ${secret.password}`);
      });
    });
}
