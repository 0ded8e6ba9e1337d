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

// Any fixed origin works for the check below: `next` is resolved against it and must stay on it.
const SAME_SITE = new URL('http://oversight.invalid');

/**
 * Only same-site paths: `next` comes from the URL and must not send the user to another site. It is
 * parsed the way a browser parses a Location header (the URL parser drops tabs and newlines and reads
 * `\` as `/`, so `/%09/evil.example` becomes `//evil.example`), and must resolve to this origin with a
 * path that starts with exactly one `/`. What comes back is the parser's serialisation: ASCII only
 * (U+3000 and the like percent-encoded), so it is always a valid Location header.
 */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/')) return '/';
  let url: URL;
  try {
    url = new URL(next, SAME_SITE);
  } catch {
    return '/';
  }
  if (url.origin !== SAME_SITE.origin || !url.pathname.startsWith('/') || url.pathname.startsWith('//')) return '/';
  // The raw string too: a browser given `/\t/evil` would strip the tab before resolving it.
  if (/^[\/\\]{2}/.test(next.replace(/[\t\n\r]/g, ''))) return '/';
  return url.pathname + url.search + url.hash;
}
