// SSO sign-in against a small in-process OpenID provider (discovery, JWKS, token endpoint, RS256 ID
// tokens), through openid-client exactly as the dashboard uses it: PKCE, state, nonce, then the
// mapping of claims to Oversight accounts on chDB.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { ClickHouseClient } from '../../../clickhouse/client.ts';
import { createUser, getUser, updateUser } from '../../../src/lib/server/auth/accounts.ts';
import { endSessionUrl, finishLogin, oidcSettings, roleFromClaims, startLogin, userFromClaims, type OidcSettings } from '../../../src/lib/server/auth/oidc.ts';
import { freshDatabase } from './db-helper.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const b64url = (v: Buffer | string) => Buffer.from(v).toString('base64url');

/** What the provider will put into the next ID token (beyond iss/aud/sub/nonce/exp). */
let nextClaims: Record<string, unknown> = {};
const codes = new Map<string, { challenge: string; nonce: string; claims: Record<string, unknown> }>();
let server: Server;
let issuer = '';

function idToken(claims: Record<string, unknown>): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'k1' }));
  const now = Math.floor(Date.now() / 1000);
  const body = b64url(JSON.stringify({ iss: issuer, aud: 'oversight', iat: now, exp: now + 300, ...claims }));
  return `${header}.${body}.${b64url(sign('RSA-SHA256', Buffer.from(`${header}.${body}`), privateKey))}`;
}

/** The provider's side of the authorization endpoint: a code bound to the PKCE challenge and nonce. */
function authorize(url: URL): string {
  const code = randomBytes(8).toString('hex');
  codes.set(code, { challenge: url.searchParams.get('code_challenge')!, nonce: url.searchParams.get('nonce')!, claims: nextClaims });
  const back = new URL(url.searchParams.get('redirect_uri')!);
  back.searchParams.set('code', code);
  back.searchParams.set('state', url.searchParams.get('state')!);
  return back.href;
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const url = new URL(req.url!, issuer);
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
      });
    }
    if (url.pathname === '/jwks') return json(200, { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' }] });
    if (url.pathname === '/token' && req.method === 'POST') {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const form = new URLSearchParams(raw);
      const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
      const clientOk = basic === 'oversight:s3cret' || (form.get('client_id') === 'oversight' && form.get('client_secret') === 's3cret');
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      if (!clientOk) return json(401, { error: 'invalid_client' });
      if (!grant || b64url(createHash('sha256').update(verifier).digest()) !== grant.challenge) return json(400, { error: 'invalid_grant' });
      return json(200, { access_token: 'at', token_type: 'Bearer', expires_in: 300, id_token: idToken({ nonce: grant.nonce, ...grant.claims }) });
    }
    json(404, { error: 'not found' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
});

const env = () => ({
  OIDC_ISSUER: issuer,
  OIDC_CLIENT_ID: 'oversight',
  OIDC_CLIENT_SECRET: 's3cret',
  OIDC_ROLE_CLAIM: 'oversight_roles',
  OIDC_ALLOW_HTTP: '1',
});

describe('SSO configuration', () => {
  it('is off without settings and an error when half configured', () => {
    expect(oidcSettings({})).toBeNull();
    expect(() => oidcSettings({ OIDC_ISSUER: 'https://sso.example.go.jp' })).toThrow(/half configured.*OIDC_CLIENT_ID/);
    expect(oidcSettings(env())?.OIDC_USERNAME_CLAIM).toBe('preferred_username');
  });

  it('reads the role claim as a string, an array, or caio:<ministry>', () => {
    const s = oidcSettings(env())!;
    expect(roleFromClaims(s, { oversight_roles: 'reviewer' })).toEqual({ role: 'reviewer', ministry: null });
    expect(roleFromClaims(s, { oversight_roles: ['leadership', 'caio:mof'] })).toEqual({ role: 'caio', ministry: 'mof' });
    expect(roleFromClaims(s, { oversight_roles: ['caio'], ministry: 'mhlw' })).toEqual({ role: 'caio', ministry: 'mhlw' });
    expect(roleFromClaims(s, { oversight_roles: ['caio'] })).toBeNull(); // a CAIO without a ministry is no role
    expect(roleFromClaims(s, { oversight_roles: 'superuser' })).toBeNull();
    expect(roleFromClaims({ ...s, OIDC_ROLE_CLAIM: undefined }, { oversight_roles: 'admin' })).toBeNull();
  });
});

describe('SSO sign-in', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let client: ClickHouseClient;
  let settings: OidcSettings;
  beforeAll(async () => {
    db = await freshDatabase('oversight-oidc');
    client = db.client;
    settings = oidcSettings(env())!;
  });
  afterAll(async () => {
    await db?.close();
  });

  async function signInWith(claims: Record<string, unknown>, s = settings) {
    nextClaims = claims;
    const { url, pending } = await startLogin(s, 'http://127.0.0.1:3000/auth/callback', '/incidents');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(pending.next).toBe('/incidents');
    const verified = await finishLogin(s, new URL(authorize(url)), pending);
    return userFromClaims(client, s, verified.claims);
  }

  it('maps an existing account by username and keeps its role without a role claim', async () => {
    await createUser(client, { username: 'tanaka', role: 'reviewer', password: 'tanaka-password' });
    const noRoles = { ...settings, OIDC_ROLE_CLAIM: undefined };
    expect(await signInWith({ sub: 's1', preferred_username: 'tanaka' }, noRoles)).toMatchObject({ username: 'tanaka', role: 'reviewer' });
  });

  it('maps by e-mail when the username claim matches no account', async () => {
    await createUser(client, { username: 'sato@mof.go.jp', role: 'caio', ministry: 'mof' });
    expect(await signInWith({ sub: 's2', preferred_username: 'sato', email: 'sato@mof.go.jp' })).toMatchObject({ username: 'sato@mof.go.jp', role: 'caio', ministry: 'mof' });
  });

  it('creates an SSO-only account from the role claim, and follows role changes at the IdP', async () => {
    const u = await signInWith({ sub: 's3', preferred_username: 'suzuki', name: '鈴木', oversight_roles: ['caio:mhlw'] });
    expect(u).toEqual({ username: 'suzuki', display_name: '鈴木', role: 'caio', ministry: 'mhlw' });
    expect(await getUser(client, 'suzuki')).toMatchObject({ has_password: false });
    expect(await signInWith({ sub: 's3', preferred_username: 'suzuki', oversight_roles: 'leadership' })).toMatchObject({ role: 'leadership', ministry: null });
  });

  it('refuses unknown users without a role, disabled accounts, and a tampered state', async () => {
    await expect(signInWith({ sub: 's4', preferred_username: 'nobody' }, { ...settings, OIDC_ROLE_CLAIM: undefined })).rejects.toThrow(/no Oversight account for nobody/);
    await updateUser(client, 'tanaka', { disabled: true });
    await expect(signInWith({ sub: 's1', preferred_username: 'tanaka' })).rejects.toThrow(/disabled/);

    nextClaims = { sub: 's5', preferred_username: 'x', oversight_roles: 'reviewer' };
    const { url, pending } = await startLogin(settings, 'http://127.0.0.1:3000/auth/callback', '/');
    const back = new URL(authorize(url));
    back.searchParams.set('state', 'forged');
    const err = await finishLogin(settings, back, pending).catch((e) => e);
    expect(String(err?.message)).toMatch(/state/);
  });

  // Edge cases a real IdP cannot be made to produce on demand (its clock is its own): the stand-in signs
  // a token whose times are 10 minutes off, or that names another client. test/browser/sso-keycloak.test.ts
  // covers the wrong audience against Keycloak too.
  it('refuses a token from a clock too far apart, naming the clocks', async () => {
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    const err = await signInWith({ sub: 's6', preferred_username: 'skew', oversight_roles: 'reviewer', iat: tenMinutesAgo - 300, exp: tenMinutesAgo }).catch((e) => e);
    expect(err?.message).toMatch(/outside the allowed clock skew: check that the clocks of Oversight and the IdP are synchronised/);
    expect(err?.message).toMatch(/"exp"/);
  });

  it('refuses a token issued for another client, naming OIDC_CLIENT_ID', async () => {
    const err = await signInWith({ sub: 's7', preferred_username: 'aud', oversight_roles: 'reviewer', aud: 'someone-else' }).catch((e) => e);
    expect(err?.message).toMatch(/issued for another application, not for client oversight: check OIDC_CLIENT_ID/);
    expect(await getUser(client, 'aud')).toBeUndefined(); // no account was created
  });

  it('has no end-session URL when the IdP publishes no end_session_endpoint', async () => {
    expect(await endSessionUrl(settings, 'x.y.z', 'http://127.0.0.1:3000/login')).toBeNull();
  });
});
