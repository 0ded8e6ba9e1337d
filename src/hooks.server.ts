// Every request passes here first: the session cookie becomes event.locals.user, the route policy
// keeps each role out of route trees it may not open, state-changing requests must carry the
// session's CSRF token, and responses get headers that keep raw text out of caches and frames. Pages
// carry the Content-Security-Policy of svelte.config.js (kit.csp, with a nonce per response); anything
// else (CSV, JSON) gets a policy that allows nothing, should a browser ever render it as a document.
// A Host header naming anything but this service is refused first (DNS rebinding; see
// src/lib/server/http-security.ts). Loads and actions check again with src/lib/server/auth/guard.ts.
import { error, isHttpError, type Handle } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import errorTemplate from './error.html?raw';
import { getClickHouse } from '../clickhouse/client.ts';
import { lookupSession, SESSION_COOKIE } from './lib/server/auth/sessions.ts';
import { routeDecision } from './lib/server/auth/route-policy.ts';
import { failsCsrf } from './lib/server/auth/csrf.ts';
import { oidcSettings } from './lib/server/auth/oidc.ts';
import { MISDIRECTED, NON_PAGE_CSP, SECURITY_HEADERS, hostPolicy, isAllowedHost, type HostPolicy } from './lib/server/http-security.ts';
import { loadEnv } from '../config/env.ts';
import { htmlLang } from './lib/server/html-lang.ts';

let policy: HostPolicy | undefined;
const hosts = () => (policy ??= hostPolicy(loadEnv()));

/**
 * A request the route policy or the CSRF check refuses never reaches a page, and SvelteKit would answer
 * it with its static error page without any of the headers below. This outer handle renders the same
 * template (src/error.html: no script) itself, so refusals carry the headers too. (The sign-in redirect
 * below is returned, not thrown, for the same reason: SvelteKit answers a thrown one by itself.)
 */
const refusalsWithHeaders: Handle = async ({ event, resolve }) => {
  // adapter-node builds event.url from ORIGIN when it is set, so the Host as sent is read from the header.
  if (!isAllowedHost(event.request.headers.get('host'), hosts())) {
    return withSecurityHeaders(new Response(MISDIRECTED.body, { status: MISDIRECTED.status, headers: { 'content-type': 'text/plain; charset=utf-8' } }), false);
  }
  let response: Response;
  try {
    response = await resolve(event);
  } catch (err) {
    if (!isHttpError(err)) throw err; // crashes keep SvelteKit's own handling
    const html = errorTemplate
      .replaceAll('%sveltekit.status%', String(err.status))
      .replaceAll('%sveltekit.error.message%', escapeHtml(err.body.message));
    response = new Response(html, { status: err.status, headers: { 'content-type': 'text/html; charset=utf-8' } });
    // The template has one inline <style> and no script.
    response.headers.set('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  }
  return withSecurityHeaders(response, event.locals.user !== null);
};

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function withSecurityHeaders(response: Response, signedIn: boolean): Response {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
  if (!response.headers.has('content-security-policy') && !(response.headers.get('content-type') ?? '').startsWith('text/html')) {
    response.headers.set('content-security-policy', NON_PAGE_CSP);
  }
  if (signedIn && !response.headers.has('cache-control')) response.headers.set('cache-control', 'private, no-store');
  if (signedIn) allowSignOutAtIdp(response);
  return response;
}

/**
 * Signing out of an SSO session posts the sign-out form, whose answer redirects to the IdP's
 * end_session_endpoint; CSP's form-action governs every hop of a form's redirects, so pages carrying
 * the form must also allow the IdP's origin (the issuer's, where IdPs serve their end-session endpoint).
 */
function allowSignOutAtIdp(response: Response): void {
  const origin = idpOrigin();
  const csp = response.headers.get('content-security-policy');
  if (!origin || !csp?.includes("form-action 'self'")) return;
  response.headers.set('content-security-policy', csp.replace("form-action 'self'", `form-action 'self' ${origin}`));
}

/** The IdP's origin, read from the environment once per process (it does not change while serving). */
let idpOriginCache: { value: string | null } | undefined;
function idpOrigin(): string | null {
  if (!idpOriginCache) {
    let issuer: string | undefined;
    try {
      issuer = oidcSettings()?.OIDC_ISSUER;
    } catch {
      issuer = undefined; // half-configured SSO is refused where SSO starts; pages keep the strict policy
    }
    idpOriginCache = { value: issuer ? new URL(issuer).origin : null };
  }
  return idpOriginCache.value;
}

const authenticate: Handle = async ({ event, resolve }) => {
  event.locals.user = null;
  event.locals.session = null;

  const token = event.cookies.get(SESSION_COOKIE);
  if (token) {
    const active = await lookupSession(await getClickHouse(), token);
    if (active) {
      event.locals.user = active.user;
      event.locals.session = active.session;
    } else {
      event.cookies.delete(SESSION_COOKIE, { path: '/' });
    }
  }

  const decision = routeDecision(event.url.pathname, event.locals.user);
  if (decision === 'signin') {
    // Page loads and client-side navigations (data requests) go to the sign-in page; API calls get 401.
    const wantsPage =
      event.request.method === 'GET' && (event.isDataRequest || (event.request.headers.get('accept') ?? '').includes('text/html'));
    if (!wantsPage) error(401, 'Sign in to continue');
    const next = event.url.pathname + event.url.search;
    // SvelteKit turns a 303 returned for a data request into its JSON redirect, as it does a thrown one.
    return new Response(null, { status: 303, headers: { location: `/login?next=${encodeURIComponent(next)}` } });
  }
  if (decision === 'forbidden') error(403, 'Your role may not open this page');

  if (event.locals.session && (await failsCsrf(event.request, event.locals.session.csrfToken))) {
    error(403, 'The form was stale or did not come from this site (CSRF token missing or wrong). Reload the page and try again.');
  }

  return resolve(event);
};

export const handle = sequence(refusalsWithHeaders, authenticate, htmlLang);
