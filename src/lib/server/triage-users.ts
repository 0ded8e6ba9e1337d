// Who an incident may be assigned to: enabled accounts that may triage its ministry.
import type { ClickHouseClient } from '@clickhouse/client';
import { listUsers, type UserRecord } from './auth/accounts.ts';

export async function assignableUsers(client: ClickHouseClient, scope: string | null): Promise<UserRecord[]> {
  const users = await listUsers(client);
  return users.filter(
    (u) => !u.disabled && (u.role === 'admin' || u.role === 'reviewer' || (u.role === 'caio' && (scope === null || u.ministry === scope))),
  );
}

/** An assignee (or '' for nobody) who may work on an incident of this ministry. */
export function mayBeAssigned(users: UserRecord[], assignee: string, ministry: string): boolean {
  if (assignee === '') return true;
  const u = users.find((x) => x.username === assignee);
  return !!u && (u.role !== 'caio' || u.ministry === ministry);
}
