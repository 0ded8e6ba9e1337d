// The IdP sends the browser back here with a code: exchange it (checking state, nonce and PKCE), map
// the ID token's claims to an account, and start a session.
import { redirect, type RequestHandler } from '@sveltejs/kit';
import { getClickHouse } from '$clickhouse/client.ts';
import { finishLogin, OIDC_PENDING_COOKIE as PENDING_COOKIE, oidcSettings, userFromClaims, type PendingLogin } from '$lib/server/auth/oidc.ts';
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
  try {
    const claims = await finishLogin(settings!, url, pending!);
    user = await userFromClaims(client, settings!, claims);
  } catch (err) {
    // openid-client puts the specific reason (state mismatch, bad signature…) in `cause`.
    const e = err as Error & { cause?: { message?: string } };
    const message = e.cause?.message ? `${e.message}: ${e.cause.message}` : (e.message ?? String(err));
    await writeAudit(client, who, { action: 'login_failed', target: 'sso', detail: { reason: message.slice(0, 300) } });
    fallBack(message);
  }
  await startSession(client, cookies, url, user!, who, 'sso');
  redirect(303, safeNext(pending!.next));
};
