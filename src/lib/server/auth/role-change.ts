// An admin changes a user's role and ministry (the inline form of /admin/users). The input is checked
// against the shared contract (contracts/accounts.ts RoleChange); the last enabled admin cannot be
// demoted; the user's live sessions end so the new role applies to their very next request; the
// audit log records old → new.
import type { ClickHouseClient } from '@clickhouse/client';
import { RoleChange } from '../../../../contracts/accounts.ts';
import { writeAudit, type AuditActor } from '../audit.ts';
import { AccountError, getUser, listUsers, updateUserAndSessions, type UserRecord } from './accounts.ts';

export interface RoleChangeResult {
  user: UserRecord;
  from: { role: string; ministry: string };
  to: { role: string; ministry: string };
  /** false when the user already had this role and ministry (nothing written, no sessions ended). */
  changed: boolean;
  sessionsEnded: number;
}

// Role changes run one at a time in this process, so two admins demoting each other at the same
// moment cannot both pass the last-admin check.
let queue: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  const run = queue.then(work, work);
  queue = run.catch(() => undefined);
  return run;
}

/** `input` is untrusted (form fields): { username, role, ministry }. Throws AccountError with a readable message. */
export async function changeUserRole(client: ClickHouseClient, who: AuditActor, input: unknown): Promise<RoleChangeResult> {
  const parsed = RoleChange.safeParse(input);
  if (!parsed.success) throw new AccountError(parsed.error.issues.map((i) => i.message).join('; '));
  const { username, role, ministry } = parsed.data;
  return oneAtATime(async () => {
    const current = await getUser(client, username);
    if (!current) throw new AccountError(`no user "${username}"`);
    const from = { role: current.role, ministry: current.ministry };
    const to = { role, ministry };
    if (from.role === to.role && from.ministry === to.ministry) {
      return { user: current, from, to, changed: false, sessionsEnded: 0 };
    }
    if (current.role === 'admin' && role !== 'admin' && !current.disabled) {
      const admins = (await listUsers(client)).filter((u) => u.role === 'admin' && !u.disabled);
      if (admins.every((u) => u.username === username)) {
        throw new AccountError(`${username} is the last enabled admin: make another account admin first`);
      }
    }
    const { user, sessionsEnded } = await updateUserAndSessions(client, username, { role, ministry });
    await writeAudit(client, who, {
      action: 'user_update',
      target: username,
      ministry: ministry || from.ministry,
      detail: { change: 'role', from, to, sessions_ended: sessionsEnded },
    });
    return { user, from, to, changed: true, sessionsEnded };
  });
}
