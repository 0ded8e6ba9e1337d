// SSO against a real OpenID provider: Keycloak (server distribution from Maven Central, started here in
// dev mode with an in-memory database), set up through its admin REST API the way README tells an
// operator to, and `oversight serve` configured with the OIDC_* variables. The browser signs in on
// Keycloak's own login page. Edge cases a provider cannot be made to produce on demand (its clock) stay
// in test/unit/auth/oidc.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './helpers.ts';
import { freePort, startKeycloak, startProcess, type Keycloak, type Started } from '../helpers/services.ts';
import { CLIENT_ID, createRealm, createRealmUser, REALM, ROLE_CLAIM, setRealmRoles, setRealmUserEnabled } from '../helpers/keycloak-realm.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SECRET = 'kc-client-secret-for-tests';
const PASSWORD = 'Kc-user-pass-1';

let kc: Keycloak;
let app: Started;
let appUrl = '';
let dataDir = '';
let browser: Browser;

beforeAll(async () => {
  kc = await startKeycloak();
  const port = await freePort();
  appUrl = `http://127.0.0.1:${port}`;
  await createRealm(kc, { appUrl, clientSecret: SECRET, roles: ['admin', 'reviewer', 'leadership', 'caio:mof', 'caio:mhlw'] });
  await createRealmUser(kc, { username: 'kc-reviewer', password: PASSWORD, roles: ['reviewer'] });
  await createRealmUser(kc, { username: 'kc-caio', password: PASSWORD, roles: ['caio:mof'] });
  await createRealmUser(kc, { username: 'kc-leaver', password: PASSWORD, roles: ['reviewer'] });

  dataDir = mkdtempSync(join(tmpdir(), 'oversight-sso-'));
  app = await startProcess('oversight serve', process.execPath, [join(ROOT, 'bin/oversight.mjs'), 'serve', '--no-evaluate'], {
    cwd: ROOT,
    env: {
      OVERSIGHT_DATA_DIR: dataDir,
      CLICKHOUSE_URL: '',
      KAFKA_BROKERS: '',
      PORT: String(port),
      HOST: '127.0.0.1',
      ORIGIN: appUrl,
      PUBLIC_BASE_URL: appUrl,
      OIDC_ISSUER: `${kc.url}/realms/${REALM}`,
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_CLIENT_SECRET: SECRET,
      OIDC_ROLE_CLAIM: ROLE_CLAIM,
      OIDC_ALLOW_HTTP: '1',
    },
    ready: async () => (await fetch(`${appUrl}/login`)).ok,
    timeoutMs: 120_000,
  });
  browser = await launchBrowser();
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await kc?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** Starts SSO from Oversight's login page and fills in Keycloak's own form. */
async function ssoSignIn(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.goto(`${appUrl}/login`);
  await page.click('a.sso');
  await page.waitForURL((u) => u.href.startsWith(kc.url), { timeout: 30_000 });
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#kc-login');
}

/** Waits for the browser to land on `prefix`; on timeout says where it is and what the page says. */
async function landOn(page: Page, prefix: string): Promise<void> {
  try {
    await page.waitForURL((u) => u.href.startsWith(prefix), { timeout: 60_000 });
  } catch {
    const text = (await page.textContent('body').catch(() => ''))?.replace(/\s+/g, ' ').slice(0, 400);
    throw new Error(`expected to land on ${prefix}, but the browser is at ${page.url()}: ${text}`);
  }
}

/** Lands back in the app after the provider (any page but /login). */
async function landInApp(page: Page): Promise<void> {
  await landOn(page, appUrl);
  if (new URL(page.url()).pathname.startsWith('/login')) {
    throw new Error(`signed in at the provider but Oversight refused: ${await page.textContent('[role="alert"]').catch(() => '?')}`);
  }
}

/** Whether the browser holds an Oversight session (the queue redirects to /login without one). */
async function signedIn(page: Page): Promise<boolean> {
  await page.goto(`${appUrl}/`);
  return !new URL(page.url()).pathname.startsWith('/login');
}

async function statusAt(page: Page, path: string): Promise<number> {
  const res = await page.goto(`${appUrl}${path}`);
  return res?.status() ?? 0;
}

describe('SSO through Keycloak', () => {
  it('signs a reviewer in on the provider page, with the role from the claim', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await ssoSignIn(page, 'kc-reviewer');
    await landInApp(page);
    expect(await page.textContent('body')).toContain('kc-reviewer');
    expect(await statusAt(page, '/incidents')).toBe(200);
    expect(await statusAt(page, '/admin/users')).toBe(403);
    await ctx.close();
  });

  it('holds a CAIO from the claim caio:mof to their own ministry', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await ssoSignIn(page, 'kc-caio');
    await landInApp(page);
    expect(await statusAt(page, '/ministries/mof')).toBe(200);
    expect(await statusAt(page, '/ministries/mhlw')).toBe(403);
    await ctx.close();
  });

  it('signs out at Oversight and at the provider (RP-initiated logout)', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await ssoSignIn(page, 'kc-reviewer');
    await landInApp(page);
    const visited: string[] = [];
    // Redirect hops fire no framenavigated, but each is a navigation request.
    page.on('request', (r) => r.isNavigationRequest() && visited.push(r.url()));
    await page.click('form[action="/logout"] button');
    await landOn(page, `${appUrl}/login`);
    // The browser passed through Keycloak's end-session endpoint on its way back.
    expect(visited.some((u) => u.startsWith(`${kc.url}/realms/${REALM}/protocol/openid-connect/logout`))).toBe(true);
    expect(await signedIn(page)).toBe(false);
    // The provider's session is gone too: SSO asks for the password again instead of signing straight in.
    await page.goto(`${appUrl}/login`);
    await page.click('a.sso');
    await page.waitForURL((u) => u.href.startsWith(kc.url), { timeout: 30_000 });
    expect(await page.isVisible('#password')).toBe(true);
    await ctx.close();
  });

  it('gives a user the new role at the next sign-in after the claim changes at the provider', async () => {
    await setRealmRoles(kc, 'kc-reviewer', ['leadership']);
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await ssoSignIn(page, 'kc-reviewer');
    await landInApp(page);
    expect(await statusAt(page, '/incidents')).toBe(403); // leadership has no queue
    expect(await statusAt(page, '/')).toBe(200);
    await ctx.close();
    await setRealmRoles(kc, 'kc-reviewer', ['reviewer']);
  });

  it('keeps out a user disabled at the provider', async () => {
    await setRealmUserEnabled(kc, 'kc-leaver', false);
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await ssoSignIn(page, 'kc-leaver');
    // Keycloak refuses on its own page; the browser never comes back with a code.
    await page.waitForSelector('#input-error, .kc-feedback-text, [id*="error"]', { timeout: 30_000 });
    expect(page.url().startsWith(kc.url)).toBe(true);
    expect(await signedIn(page)).toBe(false);
    await ctx.close();
  });

  it('refuses an ID token issued for another audience, with a clear message', async () => {
    // An operator's mistake a real provider can produce: a mapper that overrides the audience.
    const [client] = await kc.admin<Array<{ id: string }>>('GET', `/realms/${REALM}/clients?clientId=${CLIENT_ID}`);
    await kc.admin('POST', `/realms/${REALM}/clients/${client!.id}/protocol-mappers/models`, {
      name: 'wrong audience',
      protocol: 'openid-connect',
      protocolMapper: 'oidc-hardcoded-claim-mapper',
      config: { 'claim.name': 'aud', 'claim.value': 'another-application', 'jsonType.label': 'String', 'id.token.claim': 'true', 'access.token.claim': 'false', 'userinfo.token.claim': 'false' },
    });
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await ssoSignIn(page, 'kc-caio');
    await landOn(page, `${appUrl}/login`);
    const alert = await page.textContent('[role="alert"]');
    expect(alert).toContain(`issued for another application, not for client ${CLIENT_ID}`);
    expect(await signedIn(page)).toBe(false);
    await ctx.close();
  });
});
