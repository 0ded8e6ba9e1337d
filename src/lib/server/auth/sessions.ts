// Server-side sessions. The browser holds a random 256-bit token in an httpOnly cookie; the sessions
// table stores only its SHA-256, so a leaked table or backup cannot be replayed as a cookie. Each
// session carries its own CSRF token that every form action must send back.
import { createHash, randomBytes } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { insertRows, queryRows } from '../../../../clickhouse/client.ts';
import type { SessionRow } from '../../../../contracts/tables.ts';
import { isRole, type SessionUser } from './roles.ts';

export const SESSION_COOKIE = 'oversight_session';
/** Absolute lifetime: a working day plus margin, after which the user signs in again. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface NewSession {
  /** Goes into the cookie only; never stored. */
  token: string;
  hash: string;
  csrfToken: string;
  expiresAt: Date;
}

export async function createSession(client: ClickHouseClient, username: string, now = new Date()): Promise<NewSession> {
  const token = randomBytes(32).toString('base64url');
  const session: NewSession = {
    token,
    hash: hashToken(token),
    csrfToken: randomBytes(24).toString('base64url'),
    expiresAt: new Date(now.getTime() + SESSION_TTL_MS),
  };
  await insertRows(client, 'sessions', [
    {
      session_hash: session.hash,
      username,
      csrf_token: session.csrfToken,
      created_at: now.toISOString(),
      expires_at: session.expiresAt.toISOString(),
      revoked: 0,
      updated_at: now.toISOString(),
    },
  ]);
  return session;
}

export interface ActiveSession {
  user: SessionUser;
  session: { hash: string; csrfToken: string; expiresAt: string };
}

interface SessionJoinRow {
  session_hash: string;
  csrf_token: string;
  expires_at: string;
  username: string;
  display_name: string;
  role: string;
  ministry: string;
}

/** The session and its (enabled) user for a cookie token, or null when unknown, revoked or expired. */
export async function lookupSession(client: ClickHouseClient, token: string): Promise<ActiveSession | null> {
  if (!token || token.length > 200) return null;
  const [row] = await queryRows<SessionJoinRow>(
    client,
    `SELECT s.session_hash AS session_hash, s.csrf_token AS csrf_token, s.expires_at AS expires_at,
            u.username AS username, u.display_name AS display_name, u.role AS role, u.ministry AS ministry
       FROM (SELECT * FROM sessions FINAL WHERE session_hash = {hash:String}) AS s
      INNER JOIN (SELECT * FROM users FINAL WHERE username IN (SELECT username FROM sessions WHERE session_hash = {hash:String})) AS u
         ON s.username = u.username
      WHERE s.revoked = 0 AND s.expires_at > now64(3) AND u.disabled = 0`,
    { hash: hashToken(token) },
  );
  if (!row || !isRole(row.role)) return null;
  return {
    user: {
      username: row.username,
      display_name: row.display_name || row.username,
      role: row.role,
      ministry: row.role === 'caio' ? row.ministry : null,
    },
    session: { hash: row.session_hash, csrfToken: row.csrf_token, expiresAt: row.expires_at },
  };
}

async function revokeWhere(client: ClickHouseClient, where: string, params: Record<string, string>): Promise<number> {
  const rows = await queryRows<Required<Omit<SessionRow, 'revoked'>>>(
    client,
    `SELECT session_hash, username, csrf_token, created_at, expires_at, updated_at
       FROM sessions FINAL WHERE revoked = 0 AND expires_at > now64(3) AND ${where}`,
    params,
  );
  if (rows.length === 0) return 0;
  // A row with a later updated_at replaces the live one; +1 ms keeps it later even within the same ms.
  const now = Date.now();
  const values = rows.map((r) => {
    const prev = Date.parse(String(r.updated_at).replace(' ', 'T') + 'Z');
    return { ...r, revoked: 1, updated_at: new Date(Math.max(now, prev + 1)).toISOString() };
  });
  await insertRows(client, 'sessions', values);
  return rows.length;
}

export async function revokeSession(client: ClickHouseClient, hash: string): Promise<void> {
  await revokeWhere(client, 'session_hash = {hash:String}', { hash });
}

/** Ends every live session of a user (disabled account, new password, changed role). */
export async function revokeUserSessions(client: ClickHouseClient, username: string): Promise<number> {
  return revokeWhere(client, 'username = {username:String}', { username });
}
