// The analytics pages in a real Chromium against the built dashboard: figures equal the seeded traffic
// (test/browser/seeds/analytics.ts), filters live in the URL, CSV exports hold the same rows under the
// same role checks, the language toggle sticks, markup in data stays text, and every page reads at
// 1440 and 390 px without sideways scrolling (screenshots written for a human to look at).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { day, fixture, launchBrowser, open, seededRange, signIn, statusOf, type RoleName } from './helpers.ts';
import { ANALYTICS, HOSTILE_MODEL } from './seeds/analytics.ts';

const OUT = process.env.OVERSIGHT_SCREENSHOTS ?? join(tmpdir(), 'oversight-screenshots');
/** The newest seeded day, and the explicit range every figure below is expected for (helpers.ts). */
const lastSeeded = day(1);
const range = seededRange();

let browser: Browser;
beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** The big number of the KPI card whose label contains `label`. */
async function kpi(page: import('playwright-core').Page, label: string): Promise<string> {
  return (await page.locator('.kpi', { hasText: label }).first().locator('.value').innerText()).trim();
}

describe('overview', () => {
  it('shows active users, adoption inputs, requests and thumbs-down exactly as seeded', async () => {
    const s = await signIn(browser, 'leadership');
    await open(s.page, `/?${range}&lang=ja`);
    expect(await kpi(s.page, '月次（MAU）')).toBe(String(ANALYTICS.mau));
    expect(await kpi(s.page, '日次（DAU）')).toBe(String(ANALYTICS.dau));
    expect(await kpi(s.page, '週次（WAU）')).toBe(String(ANALYTICS.mau)); // mof-f's one request was on day(3)
    expect(await kpi(s.page, '低評価率')).toBe(ANALYTICS.thumbsDownRate);
    const appTable = s.page.locator('.table-block', { hasText: 'アプリ別リクエスト数' }).locator('table');
    await expect.poll(() => appTable.locator('tr', { hasText: 'chat' }).locator('td').nth(1).innerText()).toBe(String(ANALYTICS.requestsChat));
    expect(await appTable.locator('tr', { hasText: 'translation' }).locator('td').nth(1).innerText()).toBe(String(ANALYTICS.requestsTranslation));
    // Charts carry titles, unit-labelled axes and a legend where there are several series.
    const chart = s.page.locator('figure.chart', { hasText: 'アプリ別リクエスト数の推移' });
    await expect.poll(() => chart.locator('.legend li').count()).toBe(3);
    expect(await chart.locator('svg[role="img"]').getAttribute('aria-label')).toContain('アプリ別リクエスト数の推移');
    expect(s.dialogs).toEqual([]);
    await s.context.close();
  });

  it('keeps filters in the URL: applying the form changes the query string and the figures', async () => {
    const s = await signIn(browser, 'reviewer');
    await open(s.page, `/?${range}`);
    await s.page.selectOption('select[name="ministry"]', 'mof');
    await Promise.all([s.page.waitForURL(/ministry=mof/), s.page.click('form.filters button[type="submit"]')]);
    await s.page.waitForLoadState('networkidle');
    expect(new URL(s.page.url()).searchParams.get('to')).toBe(lastSeeded);
    expect(await kpi(s.page, 'MAU')).toBe(String(ANALYTICS.mauMof));
    // The same URL opened fresh (a shared link) shows the same view.
    const again = await s.context.newPage();
    await open(again, s.page.url().replace(/^https?:\/\/[^/]+/, ''));
    expect(await kpi(again, 'MAU')).toBe(String(ANALYTICS.mauMof));
    await s.context.close();
  });

  it('renders markup in data (a model name) as text and never runs it', async () => {
    const s = await signIn(browser, 'admin');
    await open(s.page, `/models?${range}`);
    await expect.poll(() => s.page.locator('td', { hasText: HOSTILE_MODEL }).count()).toBeGreaterThan(0);
    expect(await s.page.locator('img[src="x"]').count()).toBe(0);
    expect(s.dialogs).toEqual([]);
    await s.context.close();
  });
});

describe('CSV export', () => {
  it('downloads the rows the page shows, with the same filters', async () => {
    const s = await signIn(browser, 'reviewer');
    await open(s.page, `/?${range}&ministry=mhlw`);
    const link = s.page.locator('.table-block', { hasText: 'アプリ別リクエスト数' }).locator('a.csv');
    expect(await link.getAttribute('href')).toContain('ministry=mhlw');
    const res = await s.page.request.get((await link.getAttribute('href'))!);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toContain('text/csv');
    const lines = (await res.text()).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines).toEqual(['app,requests,errors,output_tokens', `translation,${ANALYTICS.requestsTranslation},0,${ANALYTICS.requestsTranslation * 200}`]);
    await s.context.close();
  });

  it('applies the page role checks: a CAIO cannot export another ministry or the pipeline tables', async () => {
    const s = await signIn(browser, 'caio-mof');
    expect((await s.page.request.get(`/export/overview-requests-by-app?${range}&ministry=mhlw`)).status()).toBe(403);
    expect((await s.page.request.get('/export/pipeline-dlq-samples')).status()).toBe(403);
    const own = await (await s.page.request.get(`/export/overview-requests-by-app?${range}`)).text();
    expect(own).toContain(`chat,${ANALYTICS.requestsChat}`);
    expect(own).not.toContain('translation'); // mhlw's app, not in a mof CAIO's export
    await s.context.close();
  });

  it('keeps dead-letter bodies (raw text) from leadership, in the page and in the CSV', async () => {
    const lead = await signIn(browser, 'leadership');
    await open(lead.page, '/pipeline');
    expect(await lead.page.locator('body').innerText()).not.toContain('秘密の本文');
    expect(await (await lead.page.request.get('/export/pipeline-dlq-samples')).text()).not.toContain('秘密の本文');
    await lead.context.close();
    const rev = await signIn(browser, 'reviewer');
    await open(rev.page, '/pipeline');
    expect(await rev.page.locator('body').innerText()).toContain('秘密の本文');
    await rev.context.close();
  });
});

describe('access and language', () => {
  it('limits a CAIO to their own ministry page (403 elsewhere) and hides pages they may not open', async () => {
    const s = await signIn(browser, 'caio-mof');
    expect(await statusOf(s.page, '/ministries/mhlw')).toBe(403);
    expect(await statusOf(s.page, '/pipeline')).toBe(403);
    expect(await statusOf(s.page, `/?ministry=mhlw`)).toBe(403);
    await open(s.page, `/ministries/mof?${range}`); // the fixture's recent incidents are on day(1)
    const incidents = s.page.locator('.table-block', { hasText: '主なインシデント' });
    await expect.poll(() => incidents.locator('a', { hasText: fixture().incidents.mofMarkup }).count()).toBe(1);
    expect(await incidents.innerText()).not.toContain(fixture().incidents.mhlwLeak);
    expect(await s.page.locator('nav a[href="/pipeline"]').count()).toBe(0);
    expect(await s.page.locator('nav a[href="/admin"]').count()).toBe(0);
    await s.context.close();
  });

  it('is Japanese by default and remembers the English toggle', async () => {
    const s = await signIn(browser, 'leadership');
    await open(s.page, '/heatmap');
    expect(await s.page.locator('h1').innerText()).toBe('府省庁 × 週 ヒートマップ');
    await Promise.all([s.page.waitForURL(/lang=en/), s.page.click('a.lang')]);
    expect(await s.page.locator('h1').innerText()).toBe('Ministry × week heatmap');
    await open(s.page, '/models');
    expect(await s.page.locator('h1').innerText()).toBe('Model scorecard');
    expect(await s.page.locator('nav a[href="/incidents"]').count()).toBe(0); // leadership: no incident queue
    await s.context.close();
  });
});

describe('screenshots', () => {
  const pages: [string, RoleName, string][] = [
    ['overview', 'leadership', `/?${range}`],
    ['heatmap', 'leadership', `/heatmap?${range}`],
    ['ministries', 'reviewer', `/ministries?${range}`],
    ['ministry-mof', 'caio-mof', `/ministries/mof?${range}`],
    ['models', 'reviewer', `/models?${range}`],
    ['evaluators', 'reviewer', `/evaluators?${range}`],
    ['pipeline', 'admin', '/pipeline'],
  ];
  for (const width of [1440, 390]) {
    it(`analytics pages at ${width} px`, async () => {
      for (const [name, role, path] of pages) {
        const s = await signIn(browser, role, { width, height: width > 800 ? 900 : 844 });
        expect(await statusOf(s.page, path), `${name} status`).toBe(200);
        await s.page.waitForLoadState('networkidle');
        const file = join(OUT, `${name}-${width}.png`);
        await s.page.screenshot({ path: file, fullPage: true });
        expect(statSync(file).size).toBeGreaterThan(5000);
        const overflow = await s.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, `${name} at ${width} px scrolls sideways by ${overflow} px`).toBeLessThanOrEqual(0);
        expect(s.dialogs).toEqual([]);
        await s.context.close();
      }
    });
  }
});
