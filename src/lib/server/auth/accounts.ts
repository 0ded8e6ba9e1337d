// Local accounts in the `users` table (ReplacingMergeTree(updated_at): every change writes the whole
// row again with a later updated_at, so the newest row is the account). SSO users live in the same
// table, with an empty password hash so they cannot sign in with a password.
import type { ClickHouseClient } from '@clickhouse/client';
import { isMinistryCode } from '../../../../contracts/ministries.ts';
import { insertRows, queryRows } from '../../../../clickhouse/client.ts';
import type { UserRow as StoredUser } from '../../../../contracts/tables.ts';
import { hashPassword, passwordProblem, verifyPasswordHash } from './password.ts';
import { isRole, ROLES, type Role, type SessionUser } from './roles.ts';
import { revokeUserSessions } from './sessions.ts';

export class AccountError extends Error {
  override name = 'AccountError';
}

export interface UserRecord {
  username: string;
  display_name: string;
  role: Role;
  /** '' unless the role is caio. */
  ministry: string;
  disabled: boolean;
  /** false for SSO-only accounts. */
  has_password: boolean;
  updated_at: string;
}

/** A `users` row as read back: every column present. */
type UserRow = Required<StoredUser>;

export interface NewUser {
  username: string;
  display_name?: string;
  role: Role | string;
  ministry?: string | null;
  /** Omit for an SSO-only account. */
  password?: string;
}

export interface UserPatch {
  display_name?: string;
  role?: Role | string;
  ministry?: string | null;
  password?: string;
  disabled?: boolean;
}

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{1,127}$/;

export function usernameProblem(username: string): string | null {
  return USERNAME.test(username) ? null : 'a username is 2–128 characters: letters, digits and . _ @ + -';
}

async function readUser(client: ClickHouseClient, username: string): Promise<UserRow | undefined> {
  const [row] = await queryRows<UserRow>(
    client,
    `SELECT username, display_name, role, ministry, password_hash, disabled, updated_at
       FROM users FINAL WHERE username = {username:String}`,
    { username },
  );
  return row;
}

function toRecord(row: UserRow): UserRecord {
  return {
    username: row.username,
    display_name: row.display_name,
    role: (isRole(row.role) ? row.role : 'leadership') as Role,
    ministry: row.ministry,
    disabled: Number(row.disabled) === 1,
    has_password: row.password_hash !== '',
    updated_at: row.updated_at,
  };
}

export function toSessionUser(row: Pick<UserRecord, 'username' | 'display_name' | 'role' | 'ministry'>): SessionUser {
  return {
    username: row.username,
    display_name: row.display_name || row.username,
    role: row.role,
    ministry: row.role === 'caio' ? row.ministry : null,
  };
}

export async function getUser(client: ClickHouseClient, username: string): Promise<UserRecord | undefined> {
  const row = await readUser(client, username);
  return row && toRecord(row);
}

export async function listUsers(client: ClickHouseClient): Promise<UserRecord[]> {
  const rows = await queryRows<UserRow>(
    client,
    `SELECT username, display_name, role, ministry, password_hash, disabled, updated_at FROM users FINAL ORDER BY username`,
  );
  return rows.map(toRecord);
}

/** Checks role/ministry together: a CAIO needs exactly one known ministry, other roles none. */
function roleAndMinistry(role: string, ministry: string | null | undefined): { role: Role; ministry: string } {
  if (!isRole(role)) throw new AccountError(`unknown role "${role}" (expected one of ${ROLES.join(', ')})`);
  if (role !== 'caio') return { role, ministry: '' };
  if (!ministry) throw new AccountError('a caio account needs a ministry code (e.g. mof)');
  if (!isMinistryCode(ministry)) throw new AccountError(`unknown ministry code "${ministry}" (see contracts/reference/ministries.json)`);
  return { role, ministry };
}

/** A strictly later updated_at than the row it replaces, even within the same millisecond. */
function nextUpdatedAt(previous?: string): string {
  const now = Date.now();
  const prev = previous ? Date.parse(previous.replace(' ', 'T') + (previous.endsWith('Z') ? '' : 'Z')) : 0;
  return new Date(Math.max(now, prev + 1)).toISOString();
}

async function writeUser(client: ClickHouseClient, row: UserRow): Promise<void> {
  await insertRows(client, 'users', [row]);
}

export async function createUser(client: ClickHouseClient, input: NewUser): Promise<UserRecord> {
  const username = input.username.trim();
  const badName = usernameProblem(username);
  if (badName) throw new AccountError(badName);
  const { role, ministry } = roleAndMinistry(input.role, input.ministry);
  if (input.password !== undefined) {
    const weak = passwordProblem(input.password);
    if (weak) throw new AccountError(weak);
  }
  if (await readUser(client, username)) throw new AccountError(`user "${username}" already exists`);
  const row: UserRow = {
    username,
    display_name: (input.display_name ?? '').trim() || username,
    role,
    ministry,
    password_hash: input.password === undefined ? '' : await hashPassword(input.password),
    disabled: 0,
    updated_at: nextUpdatedAt(),
  };
  await writeUser(client, row);
  return toRecord(row);
}

export async function updateUser(client: ClickHouseClient, username: string, patch: UserPatch): Promise<UserRecord> {
  return (await updateUserAndSessions(client, username, patch)).user;
}

/** updateUser, also saying how many live sessions the change ended. */
export async function updateUserAndSessions(
  client: ClickHouseClient,
  username: string,
  patch: UserPatch,
): Promise<{ user: UserRecord; sessionsEnded: number }> {
  const current = await readUser(client, username);
  if (!current) throw new AccountError(`no user "${username}"`);
  const { role, ministry } = roleAndMinistry(
    patch.role ?? current.role,
    patch.ministry === undefined ? current.ministry : patch.ministry,
  );
  let passwordHash = current.password_hash;
  if (patch.password !== undefined) {
    const weak = passwordProblem(patch.password);
    if (weak) throw new AccountError(weak);
    passwordHash = await hashPassword(patch.password);
  }
  const row: UserRow = {
    username,
    display_name: patch.display_name?.trim() || current.display_name,
    role,
    ministry,
    password_hash: passwordHash,
    disabled: patch.disabled === undefined ? Number(current.disabled) : patch.disabled ? 1 : 0,
    updated_at: nextUpdatedAt(current.updated_at),
  };
  await writeUser(client, row);
  // A changed password, role or ministry, or a disabled account, must not keep old sessions alive.
  const privilegeChanged = role !== current.role || ministry !== current.ministry || patch.password !== undefined;
  const sessionsEnded = row.disabled === 1 || privilegeChanged ? await revokeUserSessions(client, username) : 0;
  return { user: toRecord(row), sessionsEnded };
}

export async function disableUser(client: ClickHouseClient, username: string): Promise<UserRecord> {
  return updateUser(client, username, { disabled: true });
}

/** The user when the password matches an enabled account; null otherwise (same time either way). */
export async function verifyPassword(client: ClickHouseClient, username: string, password: string): Promise<SessionUser | null> {
  const row = await readUser(client, username.trim());
  const ok = await verifyPasswordHash(password, row?.password_hash ?? '');
  if (!row || !ok || Number(row.disabled) === 1) return null;
  return toSessionUser(toRecord(row));
}

export interface DemoUser {
  username: string;
  password: string;
  role: Role;
  ministry: string | null;
}

/**
 * One account per role for `oversight demo` and the browser tests. The passwords are fixed so a demo
 * can be scripted; this is never called by `serve`, so a production database has no such accounts
 * unless an operator ran the demo against it.
 */
export const DEMO_USERS: readonly DemoUser[] = [
  { username: 'admin', password: 'demo-admin-pass', role: 'admin', ministry: null },
  { username: 'reviewer', password: 'demo-reviewer-pass', role: 'reviewer', ministry: null },
  { username: 'leadership', password: 'demo-leadership-pass', role: 'leadership', ministry: null },
  { username: 'caio-mof', password: 'demo-caio-mof-pass', role: 'caio', ministry: 'mof' },
  { username: 'caio-mhlw', password: 'demo-caio-mhlw-pass', role: 'caio', ministry: 'mhlw' },
];

/** Creates the demo accounts, or resets them to their demo role and password when they exist. */
export async function ensureDemoUsers(client: ClickHouseClient): Promise<DemoUser[]> {
  for (const demo of DEMO_USERS) {
    const existing = await readUser(client, demo.username);
    const display_name = demo.ministry ? `Demo CAIO (${demo.ministry})` : `Demo ${demo.role}`;
    if (existing) {
      await updateUser(client, demo.username, { role: demo.role, ministry: demo.ministry, password: demo.password, disabled: false });
    } else {
      await createUser(client, { ...demo, display_name });
    }
  }
  return DEMO_USERS.map((u) => ({ ...u }));
}
