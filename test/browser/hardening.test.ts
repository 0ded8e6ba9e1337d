// Issue 9 web items 12–14, 17–19, against the built dashboard as an outsider would probe it: the Host
// check (DNS rebinding), the redirect after sign-in, throttled sign-ins in the audit log, raw text kept
// from leadership and audited for the others, and — on a real `oversight serve` started here — the
// security headers on every kind of response, /metrics and /admin-api off the public listener, and an
// owner-only data directory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { baseURL, fixture, launchBrowser, open, signIn } from './helpers.ts';
import { QUOTED_SECRET } from './seeds/hardening.ts';
import { freePort } from '../helpers/ports.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request (the Host header as given, no redirects followed), as curl would send it. */
function raw(url: string, opts: { host?: string; method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  const u = new URL(url);
  return new Promise((resolveReply, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method: opts.method ?? 'GET', headers: { ...(opts.host ? { host: opts.host } : {}), ...opts.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolveReply({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

function expectSecurityHeaders(r: Reply, what: string): void {
  expect(r.headers['x-frame-options'], what).toBe('DENY');
  expect(r.headers['x-content-type-options'], what).toBe('nosniff');
  expect(r.headers['referrer-policy'], what).toBe('same-origin');
  expect(r.headers['content-security-policy'], what).toMatch(/frame-ancestors 'none'/);
}

/** The audit log as the admin's CSV export shows it, for one action. */
async function auditRows(browser: Browser, action: string): Promise<string[]> {
  const admin = await signIn(browser, 'admin');
  const csv = await (await admin.page.request.get(`/admin/audit/export.csv?action=${action}`)).text();
  await admin.context.close();
  return csv.replace(/^\uFEFF/, '').trim().split('\r\n').slice(1);
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('the dashboard to an outsider', () => {
  it('refuses a Host header it was not configured for (DNS rebinding), with the headers', async () => {
    // (`node build` serves static files before any hook runs; `oversight serve` checks them too, below.)
    for (const path of ['/login', '/', '/export/overview-daily']) {
      const r = await raw(`${baseURL()}${path}`, { host: 'evil.example' });
      expect(r.status, path).toBe(421);
      expectSecurityHeaders(r, path);
    }
    expect((await raw(`${baseURL()}/login`, { host: new URL(baseURL()).host })).status).toBe(200);
  });

  it('does not redirect off-site after sign-in, and survives a newline or U+3000 in next', async () => {
    const user = fixture().users.reviewer;
    const context = await browser.newContext({ baseURL: baseURL() });
    const page = await context.newPage();
    await open(page, '/login?next=%2F%09%2Fevil.example');
    expect(await page.locator('input[name="next"]').inputValue()).toBe('/');
    for (const next of ['/\t/evil.example', '/\n/evil.example', '/\u3000', '/incidents?q=\u3000東京\n']) {
      // Signed out each time: a signed-in POST would need the session's CSRF token.
      await context.clearCookies();
      const res = await context.request.post('/login', {
        form: { username: user.username, password: user.password, next },
        // As a browser's native form post: SvelteKit answers `accept: */*` with its JSON action result.
        headers: { origin: baseURL(), accept: 'text/html' },
        maxRedirects: 0,
      });
      expect(res.status(), JSON.stringify(next)).toBe(303);
      const location = res.headers()['location'];
      expect(new URL(location, baseURL()).origin, JSON.stringify(next)).toBe(baseURL());
      expect(location).toMatch(/^\/(?!\/)/);
      expectSecurityHeaders({ status: res.status(), headers: res.headers(), body: '' }, `redirect for ${JSON.stringify(next)}`);
    }
    // Signed in, a visit to /login with a hostile next goes home, not away.
    const res = await context.request.get('/login?next=%2F%09%2Fevil.example', { maxRedirects: 0 });
    expect(res.status()).toBe(303);
    expect(res.headers()['location']).toBe('/');
    await context.close();
  });

  it('puts the headers on the sign-in redirect and on endpoint error pages', async () => {
    const redirect = await raw(`${baseURL()}/incidents`, { headers: { accept: 'text/html' } });
    expect(redirect.status).toBe(303);
    expect(redirect.headers.location).toBe('/login?next=%2Fincidents');
    expectSecurityHeaders(redirect, 'sign-in redirect');
    expectSecurityHeaders(await raw(`${baseURL()}/export/overview-daily`), '401 from an endpoint');
    const admin = await signIn(browser, 'admin');
    const missing = await admin.page.request.get('/export/no-such-table');
    expect(missing.status()).toBe(404);
    expectSecurityHeaders({ status: 404, headers: missing.headers(), body: '' }, 'endpoint 404');
    await admin.context.close();
  });

  it('throttles repeated failures for one account from one address and audits the refused attempts', async () => {
    const context = await browser.newContext({ baseURL: baseURL() });
    const statuses: number[] = [];
    for (let i = 0; i < 9; i++) {
      const res = await context.request.post('/login', { form: { username: 'hardening-probe', password: `guess-${i}-xxxxxxxx`, next: '/' }, headers: { origin: baseURL(), accept: 'text/html' }, maxRedirects: 0 });
      statuses.push(res.status());
    }
    await context.close();
    expect(statuses.slice(0, 5)).toEqual([400, 400, 400, 400, 400]);
    expect(statuses).toContain(429);
    const rows = (await auditRows(browser, 'login_throttled')).filter((r) => r.includes('hardening-probe'));
    expect(rows.length).toBe(statuses.filter((s) => s === 429).length);
    // The account itself is not locked from elsewhere: another user signs in from here at once.
    const reviewer = await signIn(browser, 'reviewer');
    await reviewer.context.close();
  });

  it('keeps quoted raw text in dead-letter errors from leadership, and audits what shows or exports raw text', async () => {
    const lead = await signIn(browser, 'leadership');
    await open(lead.page, '/pipeline');
    expect(await lead.page.locator('body').innerText()).not.toContain(QUOTED_SECRET);
    const leadCsv = await (await lead.page.request.get('/export/pipeline-dlq-samples')).text();
    expect(leadCsv).not.toContain(QUOTED_SECRET);
    expect(leadCsv).toContain('invalid_json');
    await lead.context.close();

    const rev = await signIn(browser, 'reviewer');
    await open(rev.page, '/pipeline');
    expect(await rev.page.locator('body').innerText()).toContain(QUOTED_SECRET);
    expect(await (await rev.page.request.get('/export/pipeline-dlq-samples')).text()).toContain(QUOTED_SECRET);
    expect((await rev.page.request.get('/incidents/export.csv?status=new&page=2')).status()).toBe(200);
    await rev.context.close();

    const reviewer = fixture().users.reviewer.username;
    const leadership = fixture().users.leadership.username;
    const views = await auditRows(browser, 'view_raw');
    expect(views.some((r) => r.includes(reviewer) && r.includes('ingest_errors') && r.includes('pipeline'))).toBe(true);
    expect(views.some((r) => r.includes(leadership))).toBe(false);
    const raws = await auditRows(browser, 'export_raw');
    expect(raws.some((r) => r.includes(reviewer) && r.includes('pipeline-dlq-samples'))).toBe(true);
    expect(raws.some((r) => r.includes(reviewer) && r.includes(',incidents,') && r.includes('status=new') && !r.includes('page=2'))).toBe(true);
    expect(raws.some((r) => r.includes(leadership))).toBe(false);
    const tables = await auditRows(browser, 'export_table');
    expect(tables.some((r) => r.includes(leadership) && r.includes('pipeline-dlq-samples'))).toBe(true);
  });
});


describe('oversight serve', () => {
  let child: ChildProcess | undefined;
  let dataDir = '';
  let web = '';
  let ops = '';
  let output = '';

  beforeAll(async () => {
    dataDir = join(mkdtempSync(join(tmpdir(), 'oversight-serve-')), 'data');
    const [port, opsPort] = [await freePort(), await freePort()];
    web = `http://127.0.0.1:${port}`;
    ops = `http://127.0.0.1:${opsPort}`;
    child = spawn(process.execPath, [join(ROOT, 'bin/oversight.mjs'), 'serve', '--no-evaluate', '--no-ingest'], {
      cwd: ROOT,
      env: { ...process.env, OVERSIGHT_DATA_DIR: dataDir, CLICKHOUSE_URL: '', KAFKA_BROKERS: '', PORT: String(port), HOST: '127.0.0.1', OPS_PORT: String(opsPort), ORIGIN: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const deadline = Date.now() + 120_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`serve exited (${child.exitCode}):\n${output}`);
      if (Date.now() > deadline) throw new Error(`serve did not start:\n${output}`);
      const up = await raw(`${ops}/healthz`).then((r) => r.status === 200, () => false);
      if (up) break;
      await new Promise((r) => setTimeout(r, 300));
    }
  });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    if (dataDir) rmSync(dirname(dataDir), { recursive: true, force: true });
  });

  it('puts the security headers on every kind of response', async () => {
    const login = await raw(`${web}/login`);
    // SvelteKit links its assets relatively (./_app/immutable/…) or absolutely.
    const asset = /"(?:\.{0,2}\/)*(_app\/immutable\/[^"]+)"/.exec(login.body)?.[1];
    expect(asset).toBeTruthy();
    const kinds: [string, string, number][] = [
      ['page', `${web}/login`, 200],
      ['static file', `${web}/favicon.png`, 200],
      ['built asset', `${web}/${asset}`, 200],
      ['sign-in redirect', `${web}/`, 303],
      ['endpoint error (an API call: no accept text/html)', `${web}/export/overview-daily`, 401],
      ['unknown path', `${web}/auth/no-such-page`, 404],
      ['healthz', `${web}/healthz`, 200],
      ['ops healthz', `${ops}/healthz`, 200],
      ['metrics', `${ops}/metrics`, 200],
      ['admin api without token', `${ops}/admin-api/status`, 401],
    ];
    for (const [what, url, status] of kinds) {
      const r = await raw(url, { headers: { accept: what.startsWith('endpoint') ? '*/*' : 'text/html' } });
      expect(r.status, what).toBe(status);
      expectSecurityHeaders(r, what);
      // A page (the 404 page too) keeps its own policy with the nonce, not the preset one for everything else.
      if (what === 'page' || what === 'unknown path') expect(r.headers['content-security-policy'], what).toMatch(/script-src 'self' 'nonce-/);
      else expect(r.headers['content-security-policy'], what).toMatch(/^default-src 'none'/);
    }
  });

  it('keeps /metrics and /admin-api off the public listener, and refuses foreign Host names on both', async () => {
    expect((await raw(`${web}/metrics`)).status).not.toBe(200);
    expect((await raw(`${web}/metrics`)).body).not.toContain('oversight_');
    expect((await raw(`${web}/admin-api/status`)).body).not.toContain('token');
    expect((await raw(`${ops}/metrics`)).body).toContain('oversight_');
    for (const url of [`${web}/favicon.png`, `${web}/healthz`, `${ops}/metrics`, `${ops}/admin-api/status`]) {
      const r = await raw(url, { host: 'evil.example' });
      expect(r.status, url).toBe(421);
      expectSecurityHeaders(r, url);
    }
  });

  it('creates the data directory and its admin file for the owner only', () => {
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    const admin = `${resolve(dataDir)}.serve.json`;
    expect(statSync(admin).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(admin, 'utf8')).url).toBe(ops);
  });
});
