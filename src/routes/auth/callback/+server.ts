// The IdP sends the browser back here with a code: exchange it (checking state, nonce and PKCE), map
// the ID token's claims to an account, and start a session.
import { redirect, type RequestHandler } from '@sveltejs/kit';
import { getClickHouse } from '$clickhouse/client.ts';
import { finishLogin, OIDC_LOGOUT_COOKIE, OIDC_PENDING_COOKIE as PENDING_COOKIE, oidcSettings, userFromClaims, type PendingLogin } from '$lib/server/auth/oidc.ts';
import { safeNext, startSession } from '$lib/server/auth/login.ts';
import { actorOf, writeAudit } from '$lib/server/audit.ts';

export const GET: RequestHandler = async (event) => {
  const { url, cookies } = event;
  const fallBack = (message: string) => redirect(303, `/login?sso_error=${encodeURIComponent(message)}`);
  const settings = oidcSettings();
  if (!settings) fallBack('SSO is not configured');
  const raw = cookies.get(PENDING_COOKIE);
  cookies.delete(PENDING_COOKIE, { path: '/auth' });
  if (!raw) fallBack('the sign-in took too long or was started in another browser; try again');
  let pending: PendingLogin;
  try {
    pending = JSON.parse(Buffer.from(raw!, 'base64url').toString('utf8')) as PendingLogin;
  } catch {
    fallBack('the sign-in state was damaged; try again');
  }
  const client = await getClickHouse();
  const who = actorOf(event);
  let user;
  let idToken = '';
  try {
    const verified = await finishLogin(settings!, url, pending!);
    idToken = verified.idToken;
    user = await userFromClaims(client, settings!, verified.claims);
  } catch (err) {
    // finishLogin and userFromClaims already say what went wrong in words an administrator can act on.
    const message = (err as Error).message ?? String(err);
    await writeAudit(client, who, { action: 'login_failed', target: 'sso', detail: { reason: message.slice(0, 300) } });
    fallBack(message);
  }
  await startSession(client, cookies, url, user!, who, 'sso');
  // Kept for RP-initiated logout only (id_token_hint); never read for authorisation.
  cookies.set(OIDC_LOGOUT_COOKIE, idToken, { path: '/logout', httpOnly: true, sameSite: 'lax', secure: url.protocol === 'https:', maxAge: 12 * 3600 });
  redirect(303, safeNext(pending!.next));
};
