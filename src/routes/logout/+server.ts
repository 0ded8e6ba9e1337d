// POST only (a GET could be triggered by any link or image); hooks.server.ts has already checked the
// session's CSRF token.
import { redirect, type RequestHandler } from '@sveltejs/kit';
import { getClickHouse } from '$clickhouse/client.ts';
import { revokeSession, SESSION_COOKIE } from '$lib/server/auth/sessions.ts';
import { actorOf, writeAudit } from '$lib/server/audit.ts';
import { endSessionUrl, OIDC_LOGOUT_COOKIE, oidcSettings } from '$lib/server/auth/oidc.ts';

export const POST: RequestHandler = async (event) => {
  const { locals, cookies } = event;
  if (locals.session && locals.user) {
    const client = await getClickHouse();
    await revokeSession(client, locals.session.hash);
    await writeAudit(client, actorOf(event), { action: 'logout', target: locals.user.username, ministry: locals.user.ministry ?? '' });
  }
  cookies.delete(SESSION_COOKIE, { path: '/' });
  // An SSO session also ends at the IdP (RP-initiated logout), which sends the browser back to /login.
  const idToken = cookies.get(OIDC_LOGOUT_COOKIE);
  cookies.delete(OIDC_LOGOUT_COOKIE, { path: '/logout' });
  const settings = idToken ? oidcSettings() : null;
  if (idToken && settings) {
    const target = await endSessionUrl(settings, idToken, new URL('/login', event.url).href).catch(() => null);
    if (target) redirect(303, target.href);
  }
  redirect(303, '/login');
};
