// The Content-Security-Policy (svelte.config.js kit.csp) and the other security headers, in a real
// Chromium: no page an admin can open, nor the sign-in and error pages, logs a CSP violation, whether
// loaded directly or reached by client-side navigation; the charts still draw (d3 paths, heatmap cell
// colours) and SvelteKit's hidden route announcer stays hidden.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { baseURL, expectAccessible, fixture, launchBrowser, open, seededRange, signIn } from './helpers.ts';

/** The seeded traffic's 29 days, explicit (helpers.ts): the pages show the same days whatever the server's clock. */
const range = seededRange();

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

interface Violations {
  events: string[];
  console: string[];
}

/** Records `securitypolicyviolation` events (from a script CSP cannot block) and CSP console messages. */
async function watch(context: BrowserContext, page: Page): Promise<Violations> {
  const v: Violations = { events: [], console: [] };
  await context.exposeBinding('__cspViolation', (_src, text: string) => void v.events.push(text));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __cspViolation(t: string): void }).__cspViolation(
        `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.documentURI} (${e.sourceFile}:${e.lineNumber}) ${e.sample}`,
      );
    });
  });
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) v.console.push(`${page.url()}: ${m.text()}`);
  });
  return v;
}

const pages = () => [
  `/?${range}`,
  `/heatmap?${range}`,
  `/ministries?${range}`,
  `/ministries/mof?${range}`,
  `/models?${range}`,
  `/evaluators?${range}`,
  '/pipeline',
  '/incidents',
  '/incidents?page=2&lang=en',
  `/incidents/${fixture().incidents.mofMarkup}?lang=ja`,
  '/admin/users',
  '/admin/audit',
];

describe('Content-Security-Policy', () => {
  it('sends the policy and the other security headers with every page', async () => {
    const admin = await signIn(browser, 'admin');
    const res = await admin.context.request.get('/incidents', { headers: { accept: 'text/html' } });
    const h = res.headers();
    const csp = h['content-security-policy'];
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['script-src'][0]).toBe("'self'");
    expect(directives['script-src'].slice(1)).toEqual([expect.stringMatching(/^'nonce-[A-Za-z0-9+/=]+'$/)]);
    expect(directives['style-src']).toEqual(["'self'"]);
    expect(directives['style-src-attr']).toEqual(["'unsafe-inline'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['img-src']).toEqual(["'self'", 'data:']);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(directives['base-uri']).toEqual(["'self'"]);
    expect(directives['form-action']).toEqual(["'self'"]);
    expect(h['x-content-type-options']).toBe('nosniff');
    expect(h['referrer-policy']).toBe('same-origin');
    expect(h['x-frame-options']).toBe('DENY');
    // A fresh nonce per response, and it is the one on the page's inline script.
    const again = (await admin.context.request.get('/incidents')).headers()['content-security-policy'];
    expect(again).not.toBe(csp);
    const nonce = /'nonce-([^']+)'/.exec(csp)![1];
    expect(await res.text()).toContain(`nonce="${nonce}"`);
    // Responses that are not pages (CSV) get a policy that allows nothing at all.
    const csv = await admin.context.request.get('/incidents/export.csv');
    expect(csv.headers()['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(csv.headers()['x-content-type-options']).toBe('nosniff');
    await admin.context.close();
  });

  it('no page an admin opens logs a violation, loaded directly or by client-side navigation; charts still draw', async () => {
    const admin = await signIn(browser, 'admin');
    const v = await watch(admin.context, admin.page);
    for (const path of pages()) {
      await open(admin.page, path);
      await admin.page.waitForTimeout(200);
    }
    // Client-side navigation through the menu (SvelteKit renders the route announcer then).
    await open(admin.page, `/?${range}`);
    for (const href of ['/heatmap', '/incidents', '/admin', '/']) {
      await Promise.all([admin.page.waitForURL((u) => u.pathname === (href === '/admin' ? '/admin/users' : href)), admin.page.click(`nav a[href="${href}"]`)]);
      await admin.page.waitForLoadState('networkidle');
    }
    await expect.poll(() => admin.page.locator('#svelte-announcer').textContent()).not.toBe('');
    // The announcer is visually hidden by its inline style, which the policy lets through.
    expect(await admin.page.locator('#svelte-announcer').evaluate((el) => getComputedStyle(el).position)).toBe('absolute');

    // d3 charts: line paths and legend markers are drawn.
    await open(admin.page, `/?${range}`);
    const chart = admin.page.locator('figure.chart', { hasText: 'アプリ別リクエスト数の推移' });
    await expect.poll(() => chart.locator('svg path[stroke-dasharray]').count()).toBeGreaterThan(0);
    expect(await chart.locator('svg path').count()).toBeGreaterThan(3);
    // Heatmap cells keep their colour (inline style attributes).
    await open(admin.page, `/heatmap?${range}`);
    const colours = await admin.page.locator('td[title]').evaluateAll((tds) => tds.map((td) => getComputedStyle(td).backgroundColor));
    expect(colours.length).toBeGreaterThan(0);
    expect(colours.some((c) => c !== 'rgba(0, 0, 0, 0)' && c !== 'rgb(255, 255, 255)')).toBe(true);

    expect(v.events).toEqual([]);
    expect(v.console).toEqual([]);
    expect(admin.dialogs).toEqual([]);
    await admin.context.close();
  });

  it('the sign-in page and error pages log no violation either', async () => {
    const context = await browser.newContext({ baseURL: baseURL() });
    const page = await context.newPage();
    const v = await watch(context, page);
    await open(page, '/login');
    await context.close();
    const caio = await signIn(browser, 'caio-mof');
    const cv = await watch(caio.context, caio.page);
    // Refused by a load's guard, and a page that does not exist: the app's error page, under the policy.
    for (const [path, status] of [[`/incidents/${fixture().incidents.mhlwLeak}`, 403], ['/no-such-page', 404]] as const) {
      const res = await caio.page.goto(path);
      expect(res?.status()).toBe(status);
      expect(res?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
      await caio.page.waitForLoadState('networkidle');
      await expectAccessible(caio.page);
    }
    // Refused by the route policy in the hook itself: the static error template (no script at all),
    // with the same security headers and a policy that allows only its inline style.
    const refused = await caio.page.goto('/ministries/mhlw');
    expect(refused?.status()).toBe(403);
    const rh = refused?.headers() ?? {};
    expect(rh['content-security-policy']).toContain("default-src 'none'");
    expect(rh['x-frame-options']).toBe('DENY');
    expect(rh['cache-control']).toBe('private, no-store');
    expect(await caio.page.textContent('h1')).toContain('403');
    await expectAccessible(caio.page);
    await caio.context.close();
    expect([...v.events, ...v.console, ...cv.events, ...cv.console]).toEqual([]);
  });
});
