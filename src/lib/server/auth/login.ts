// What a successful sign-in does, for both the password form and the SSO callback: a new session,
// its cookie, and an audit row.
import type { Cookies } from '@sveltejs/kit';
import type { ClickHouseClient } from '@clickhouse/client';
import { createSession, SESSION_COOKIE, SESSION_TTL_MS } from './sessions.ts';
import { writeAudit, type AuditActor } from '../audit.ts';
import type { SessionUser } from './roles.ts';

export async function startSession(
  client: ClickHouseClient,
  cookies: Cookies,
  url: URL,
  user: SessionUser,
  who: Omit<AuditActor, 'actor' | 'role'>,
  method: 'password' | 'sso',
): Promise<void> {
  const session = await createSession(client, user.username);
  cookies.set(SESSION_COOKIE, session.token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    // Secure whenever the dashboard is served over https; plain http only on a local demo.
    secure: url.protocol === 'https:',
    maxAge: Math.floor(SESSION_TTL_MS / 1000),
  });
  await writeAudit(client, { ...who, actor: user.username, role: user.role }, { action: 'login', target: user.username, ministry: user.ministry ?? '', detail: { method } });
}

/** Only same-site paths: `next` comes from the URL and must not send the user to another site. */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}
