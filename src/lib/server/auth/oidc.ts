// Sign-in through the platform's SSO (OpenID Connect, authorization code flow with PKCE, state and
// nonce) with openid-client v6. Off unless OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are set.
//
// An SSO identity maps onto a row of the users table by username (OIDC_USERNAME_CLAIM, default
// preferred_username) or e-mail. When OIDC_ROLE_CLAIM is set, the IdP decides the role: its value
// (a string or an array; "caio:mof" or role + OIDC_MINISTRY_CLAIM) updates the account, or creates an
// SSO-only account (no password) for a first-time user. Without it, only existing accounts may sign in.
import * as oidc from 'openid-client';
import { z } from 'zod';
import type { ClickHouseClient } from '@clickhouse/client';
import { createUser, getUser, toSessionUser, updateUser } from './accounts.ts';
import { isRole, type Role, type SessionUser } from './roles.ts';

const OidcEnv = z.object({
  OIDC_ISSUER: z.url({ error: 'OIDC_ISSUER must be the IdP issuer URL' }),
  OIDC_CLIENT_ID: z.string().min(1),
  OIDC_CLIENT_SECRET: z.string().min(1),
  OIDC_REDIRECT_URI: z.url().optional(),
  OIDC_SCOPES: z.string().default('openid profile email'),
  OIDC_USERNAME_CLAIM: z.string().default('preferred_username'),
  OIDC_ROLE_CLAIM: z.string().optional(),
  OIDC_MINISTRY_CLAIM: z.string().default('ministry'),
  /** Only for a local test IdP over plain http. */
  OIDC_ALLOW_HTTP: z.enum(['0', '1']).default('0'),
});
export type OidcSettings = z.infer<typeof OidcEnv>;

export class OidcError extends Error {
  override name = 'OidcError';
}

/** The SSO settings, or null when SSO is not configured; a half-done configuration is an error. */
export function oidcSettings(source: Record<string, string | undefined> = process.env): OidcSettings | null {
  const env = Object.fromEntries(Object.entries(source).filter(([k, v]) => k.startsWith('OIDC_') && v));
  if (!env.OIDC_ISSUER && !env.OIDC_CLIENT_ID) return null;
  const parsed = OidcEnv.safeParse(env);
  if (!parsed.success) {
    throw new OidcError(`SSO is half configured: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}

let discovered: { key: string; config: Promise<oidc.Configuration> } | undefined;

async function configuration(s: OidcSettings): Promise<oidc.Configuration> {
  const key = `${s.OIDC_ISSUER}|${s.OIDC_CLIENT_ID}`;
  if (discovered?.key !== key) {
    const options = s.OIDC_ALLOW_HTTP === '1' ? { execute: [oidc.allowInsecureRequests] } : undefined;
    const config = oidc.discovery(new URL(s.OIDC_ISSUER), s.OIDC_CLIENT_ID, s.OIDC_CLIENT_SECRET, undefined, options);
    discovered = { key, config };
    // A failed discovery (IdP down) is retried on the next sign-in rather than cached.
    config.catch(() => {
      if (discovered?.key === key) discovered = undefined;
    });
  }
  return discovered.config;
}

/** What the browser keeps (in a short-lived httpOnly cookie) between the redirect and the callback. */
export interface PendingLogin {
  verifier: string;
  state: string;
  nonce: string;
  next: string;
}

export async function startLogin(s: OidcSettings, redirectUri: string, next: string): Promise<{ url: URL; pending: PendingLogin }> {
  const config = await configuration(s);
  const verifier = oidc.randomPKCECodeVerifier();
  const pending: PendingLogin = { verifier, state: oidc.randomState(), nonce: oidc.randomNonce(), next };
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: s.OIDC_SCOPES,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: pending.state,
    nonce: pending.nonce,
  });
  return { url, pending };
}

export interface VerifiedLogin {
  claims: Record<string, unknown>;
  /** The raw ID token, kept only as `id_token_hint` for RP-initiated logout. */
  idToken: string;
}

export async function finishLogin(s: OidcSettings, currentUrl: URL, pending: PendingLogin): Promise<VerifiedLogin> {
  const config = await configuration(s);
  let tokens;
  try {
    tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
  } catch (err) {
    throw new OidcError(describeOidcFailure(err, s), { cause: err });
  }
  const claims = tokens.claims();
  if (!claims || !tokens.id_token) throw new OidcError('the IdP returned no ID token');
  return { claims: claims as Record<string, unknown>, idToken: tokens.id_token };
}

/**
 * A sentence an administrator can act on for the usual ways a sign-in fails between correctly working
 * parties (clocks apart, a client registered under another id), with openid-client's own words after it.
 */
export function describeOidcFailure(err: unknown, s: Pick<OidcSettings, 'OIDC_CLIENT_ID' | 'OIDC_ISSUER'>): string {
  // openid-client wraps oauth4webapi's error, whose `code` and `cause.claim` say what failed.
  const chain: Array<{ message?: string; code?: string; claim?: string; cause?: unknown }> = [];
  for (let e: unknown = err; e && typeof e === 'object' && chain.length < 5; e = (e as { cause?: unknown }).cause) chain.push(e as (typeof chain)[number]);
  const detail = chain.map((e) => e.message).filter(Boolean).join(': ') || String(err);
  const code = chain.find((e) => typeof e.code === 'string' && e.code.startsWith('OAUTH_'))?.code;
  const claim = chain.find((e) => typeof e.claim === 'string')?.claim;
  if (code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED') {
    return `the ID token's time (${claim ?? 'exp/iat'}) is outside the allowed clock skew: check that the clocks of Oversight and the IdP are synchronised (NTP) (${detail})`;
  }
  if (code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' && (claim === 'aud' || claim === 'azp')) {
    return `the ID token was issued for another application, not for client ${s.OIDC_CLIENT_ID}: check OIDC_CLIENT_ID and the client's audience settings at the IdP (${detail})`;
  }
  if (code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED' && claim === 'iss') {
    return `the ID token comes from another issuer than ${s.OIDC_ISSUER}: check OIDC_ISSUER (${detail})`;
  }
  return detail;
}

/**
 * Where to send the browser to end the session at the IdP as well (RP-initiated logout), or null when
 * the IdP publishes no end_session_endpoint. The IdP returns the browser to `postLogoutRedirectUri`,
 * which must be registered there (Keycloak: "Valid post logout redirect URIs").
 */
export async function endSessionUrl(s: OidcSettings, idToken: string, postLogoutRedirectUri: string): Promise<URL | null> {
  const config = await configuration(s);
  if (!config.serverMetadata().end_session_endpoint) return null;
  return oidc.buildEndSessionUrl(config, { id_token_hint: idToken, post_logout_redirect_uri: postLogoutRedirectUri });
}

/** The role (and CAIO ministry) the IdP grants, or null when the claim is absent or names no role. */
export function roleFromClaims(s: OidcSettings, claims: Record<string, unknown>): { role: Role; ministry: string | null } | null {
  if (!s.OIDC_ROLE_CLAIM) return null;
  const raw = claims[s.OIDC_ROLE_CLAIM];
  const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string');
  // Several roles: the most privileged wins; that order is also the order of trust in a mistake.
  for (const role of ['admin', 'reviewer', 'caio', 'leadership'] as const) {
    for (const v of values) {
      const [name, ministry] = v.split(':');
      if (name !== role || !isRole(name)) continue;
      if (role !== 'caio') return { role, ministry: null };
      const m = ministry ?? claims[s.OIDC_MINISTRY_CLAIM];
      if (typeof m === 'string' && m) return { role, ministry: m };
    }
  }
  return null;
}

/** Maps verified ID-token claims to an enabled Oversight account, creating or updating it per the role claim. */
export async function userFromClaims(client: ClickHouseClient, s: OidcSettings, claims: Record<string, unknown>): Promise<SessionUser> {
  const candidates = [claims[s.OIDC_USERNAME_CLAIM], claims.email].filter((v): v is string => typeof v === 'string' && v !== '');
  if (candidates.length === 0) throw new OidcError(`the ID token has neither ${s.OIDC_USERNAME_CLAIM} nor email`);
  const granted = roleFromClaims(s, claims);
  const name = typeof claims.name === 'string' ? claims.name : undefined;
  for (const username of candidates) {
    const existing = await getUser(client, username);
    if (!existing) continue;
    if (existing.disabled) throw new OidcError(`the account ${username} is disabled`);
    if (granted && (granted.role !== existing.role || (granted.ministry ?? '') !== existing.ministry)) {
      return toSessionUser(await updateUser(client, username, { role: granted.role, ministry: granted.ministry }));
    }
    return toSessionUser(existing);
  }
  if (!granted) throw new OidcError(`no Oversight account for ${candidates.join(' / ')}; ask an administrator to create one`);
  return toSessionUser(await createUser(client, { username: candidates[0], display_name: name, role: granted.role, ministry: granted.ministry }));
}

/** Holds a PendingLogin between /auth/sso and /auth/callback. */
export const OIDC_PENDING_COOKIE = 'oversight_oidc';
/** Holds the ID token of an SSO session for RP-initiated logout (httpOnly, path /logout, session lifetime). */
export const OIDC_LOGOUT_COOKIE = 'oversight_oidc_logout';
