// Starts SSO sign-in: remembers PKCE verifier, state, nonce and the page to return to in a short-lived
// httpOnly cookie, then sends the browser to the IdP.
import { error, redirect, type RequestHandler } from '@sveltejs/kit';
import { OIDC_PENDING_COOKIE as PENDING_COOKIE, oidcSettings, startLogin } from '$lib/server/auth/oidc.ts';
import { safeNext } from '$lib/server/auth/login.ts';

export const GET: RequestHandler = async ({ url, cookies }) => {
  const settings = oidcSettings();
  if (!settings) error(404, 'SSO is not configured');
  const redirectUri = settings.OIDC_REDIRECT_URI ?? new URL('/auth/callback', url).href;
  const { url: target, pending } = await startLogin(settings, redirectUri, safeNext(url.searchParams.get('next')));
  cookies.set(PENDING_COOKIE, Buffer.from(JSON.stringify(pending)).toString('base64url'), {
    path: '/auth',
    httpOnly: true,
    sameSite: 'lax',
    secure: url.protocol === 'https:',
    maxAge: 600,
  });
  redirect(303, target.href);
};
