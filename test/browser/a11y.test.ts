// Accessibility to JIS X 8341-3:2016 level AA (= WCAG 2.0 AA; the 2.1 A/AA rules are checked too), in
// a real Chromium against the built dashboard (docs/ACCESSIBILITY.md says what else was checked how):
// - every page each role may open passes axe-core at 1440, 390 and 320 CSS px and at 200 % zoom, in
//   Japanese and English, without the page scrolling sideways (reflow, WCAG 1.4.10);
// - <html lang> is right in the server's HTML, and English fragments in Japanese pages carry lang="en";
// - the skip link is the first tab stop and moves focus to the content; every tab stop shows a focus ring;
// - each chart's data table opens from the keyboard and holds the chart's numbers;
// - the triage flow works with the keyboard alone: sign in, filter, open, change status, add a note.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseURL, expectAccessible, fixture, launchBrowser, open, seededRange, signIn, type RoleName } from './helpers.ts';
import { chooseWithArrows, focusStops, recordPointerEvents, tabTo } from './keyboard.ts';

const OUT = process.env.OVERSIGHT_SCREENSHOTS ?? join(tmpdir(), 'oversight-screenshots');
/** The seeded traffic's 29 days, explicit (helpers.ts): the pages show the same days whatever the server's clock. */
const range = seededRange();

let browser: Browser;
beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** Desktop, phone, the 320 px of WCAG reflow (1280 px at 400 %), and a 1440 px screen zoomed to 200 %. */
const VIEWS = [
  { name: '1440', viewport: { width: 1440, height: 900 }, scale: 1 },
  { name: '390', viewport: { width: 390, height: 844 }, scale: 1 },
  { name: '320', viewport: { width: 320, height: 640 }, scale: 1 },
  { name: 'zoom200', viewport: { width: 720, height: 450 }, scale: 2 },
] as const;

/** The pages each role may open (the nav shows the same set); the server refuses the rest. */
const pagesOf = (role: RoleName): string[] => {
  const { incidents } = fixture();
  const analytics = [`/?${range}`, `/heatmap?${range}`, `/ministries?${range}`, `/ministries/mof?${range}`, `/models?${range}`, `/evaluators?${range}`];
  switch (role) {
    case 'admin':
      return [...analytics, '/pipeline', '/incidents', `/incidents/${incidents.mofCitation}`, '/admin/users', '/admin/audit'];
    case 'reviewer':
      return [...analytics, '/pipeline', '/incidents', `/incidents/${incidents.mhlwLeak}`];
    case 'leadership':
      return [...analytics, '/pipeline'];
    default:
      // A CAIO: their own ministry only, no pipeline; the error page of a refused incident too.
      return [...analytics, '/incidents', `/incidents/${incidents.mofMarkup}`, `/incidents/${incidents.mhlwLeak}`, '/no-such-page'];
  }
};
const ROLES: RoleName[] = ['admin', 'reviewer', 'leadership', 'caio-mof'];

async function sidewaysOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

const fileName = (role: string, path: string, view: string, lang: string) =>
  `a11y-${role}-${path.replace(/\?.*$/, '').replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'overview'}-${view}-${lang}.png`;

describe('every page, every role, every width: axe-core clean and no sideways scrolling', () => {
  for (const view of VIEWS) {
    for (const role of ROLES) {
      it(`${role} at ${view.name}`, async () => {
        // 200 % zoom: the CSS width of a 720 px window, drawn with two device pixels per CSS pixel.
        const s = await signIn(browser, role, view.viewport, view.scale);
        // English is checked at the extremes (desktop and 320 px); Japanese, the default, everywhere.
        const langs = view.name === '1440' || view.name === '320' ? ['ja', 'en'] : ['ja'];
        for (const lang of langs) {
          for (const path of pagesOf(role)) {
            await open(s.page, `${path}${path.includes('?') ? '&' : '?'}lang=${lang}`); // runs axe-core
            expect(await s.page.evaluate(() => document.documentElement.lang), `${path} lang`).toBe(lang);
            expect(await sidewaysOverflow(s.page), `${path} (${lang}) at ${view.name} scrolls sideways`).toBeLessThanOrEqual(0);
            if (view.name === '1440' || view.name === '320') {
              const file = join(OUT, fileName(role, path, view.name, lang));
              await s.page.screenshot({ path: file, fullPage: true });
              expect(statSync(file).size).toBeGreaterThan(3000);
            }
          }
        }
        expect(s.dialogs).toEqual([]);
        await s.context.close();
      }, 400_000); // up to 26 page loads, each scanned: minutes on a loaded machine
    }
  }

  it('the sign-in page, in both languages and at every width', async () => {
    for (const view of VIEWS) {
      const context = await browser.newContext({ baseURL: baseURL(), viewport: view.viewport, deviceScaleFactor: view.scale });
      const page = await context.newPage();
      for (const lang of ['ja', 'en']) {
        await open(page, `/login?lang=${lang}`);
        expect(await sidewaysOverflow(page)).toBeLessThanOrEqual(0);
        // A failed sign-in shows an alert: the page with it must pass too. Twice only: failures count
        // per address towards the sign-in throttle, which every later test's sign-in goes through.
        if (!((view.name === '320' && lang === 'ja') || (view.name === '1440' && lang === 'en'))) continue;
        await page.fill('input[name="username"]', 'nobody');
        await page.fill('input[name="password"]', 'wrong-password-123');
        await page.keyboard.press('Enter');
        await page.locator('[role="alert"]').waitFor();
        await expectAccessible(page, `/login?lang=${lang} with an error`);
      }
      await context.close();
    }
  });
});

describe('the scan itself', () => {
  it('fails on a page that breaks the rules, naming the rule and the element', async () => {
    const context = await browser.newContext({ baseURL: baseURL() });
    const page = await context.newPage();
    await open(page, '/login'); // clean
    // Break three rules on purpose: an image without a text alternative, grey-on-white text below
    // 4.5:1, and a link whose name does not contain its visible text.
    await page.evaluate(() => {
      const main = document.querySelector('main')!;
      const img = document.createElement('img');
      img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
      const faint = document.createElement('p');
      faint.textContent = '薄い文字';
      faint.style.color = '#bbbbbb';
      const link = document.createElement('a');
      link.href = '/';
      link.textContent = 'トップへ';
      link.setAttribute('aria-label', 'ホーム');
      main.append(img, faint, link);
    });
    const err = await expectAccessible(page).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/image-alt/);
    expect(err?.message).toMatch(/color-contrast/);
    expect(err?.message).toMatch(/label-content-name-mismatch/);
    await context.close();
  });
});

describe('language of the page and of its parts', () => {
  it('the server sends <html lang> of the chosen language, before any script runs', async () => {
    const s = await signIn(browser, 'reviewer');
    for (const [query, lang] of [['?lang=en', 'en'], ['', 'en'], ['?lang=ja', 'ja'], ['', 'ja']] as const) {
      // The cookie set by ?lang= carries the choice to the next request without a query.
      const html = await (await s.context.request.get(`/incidents${query}`, { headers: { accept: 'text/html' } })).text();
      expect(html, `/incidents${query}`).toMatch(new RegExp(`^<!doctype html>\\s*<html lang="${lang}">`, 'i'));
    }
    await s.context.close();
  });

  it('marks English evaluator text inside a Japanese page (and Japanese model text inside an English one)', async () => {
    const s = await signIn(browser, 'reviewer');
    const { incidents } = fixture();
    await open(s.page, `/incidents/${incidents.mofOld}?lang=ja`);
    // The seeded explanation is English: "frames the Senkaku Islands as disputed".
    const explanation = s.page.locator('.explanation [lang]', { hasText: 'frames the Senkaku Islands' });
    expect(await explanation.getAttribute('lang')).toBe('en');
    expect(await s.page.locator('[data-testid="response-text"]').getAttribute('lang')).toBeNull(); // Japanese in a Japanese page
    await open(s.page, `/incidents/${incidents.mofOld}?lang=en`);
    expect(await s.page.locator('[data-testid="response-text"]').getAttribute('lang')).toBe('ja');
    expect(await s.page.locator('.explanation [lang]').count()).toBe(0); // English in an English page
    // The language toggle: its visible word is in the other language and is marked so.
    await open(s.page, '/?lang=ja');
    expect(await s.page.locator('a.lang [lang="en"]').innerText()).toBe('English');
    await s.context.close();
  });
});

describe('keyboard and focus', () => {
  it('the skip link is the first tab stop, shows when focused and moves focus to the content', async () => {
    const s = await signIn(browser, 'reviewer');
    await open(s.page, '/incidents');
    await s.page.keyboard.press('Tab');
    const skip = s.page.locator('a.skip');
    expect(await skip.evaluate((el) => el === document.activeElement)).toBe(true);
    const box = await skip.boundingBox();
    expect(box && box.x >= 0 && box.y >= 0 && box.width > 10).toBe(true);
    await s.page.keyboard.press('Enter');
    expect(await s.page.evaluate(() => document.activeElement?.id)).toBe('main');
    // The next Tab goes into the page's own content, not back to the header.
    await s.page.keyboard.press('Tab');
    expect(await s.page.evaluate(() => !!document.activeElement?.closest('main'))).toBe(true);
    await s.context.close();
  });

  it('every tab stop draws a focus indicator and is scrolled into view, at desktop and phone width', async () => {
    for (const viewport of [{ width: 1440, height: 900 }, { width: 320, height: 640 }]) {
      const s = await signIn(browser, 'admin', viewport);
      for (const path of [`/?${range}`, `/heatmap?${range}`, '/incidents?per=20', `/incidents/${fixture().incidents.mofMarkup}`, '/admin/users']) {
        await open(s.page, path);
        const stops = await focusStops(s.page, 120);
        expect(stops.length, `${path}: tab stops`).toBeGreaterThan(5);
        expect(stops.filter((st) => !st.indicated).map((st) => st.what), `${path} at ${viewport.width}: stops without a focus indicator`).toEqual([]);
        expect(stops.filter((st) => !st.inView).map((st) => st.what), `${path} at ${viewport.width}: stops out of view`).toEqual([]);
      }
      await s.context.close();
    }
  });

  it("a chart's data table opens from the keyboard and holds the numbers the chart is drawn from", async () => {
    const s = await signIn(browser, 'leadership');
    await open(s.page, `/?${range}&lang=en`);
    const chart = s.page.locator('figure.chart', { hasText: 'Requests per day by app' });
    const label = (await chart.locator('svg[role="img"]').getAttribute('aria-label'))!;
    expect(label).toMatch(/latest .+ highest/); // a summary, not only a title
    const seriesCount = await chart.locator('.legend li').count();
    expect(seriesCount).toBeGreaterThan(1);
    // Series are told apart by more than colour: each has its own dash pattern and marker shape.
    const dashes = await chart.locator('.legend li line').evaluateAll((ls) => ls.map((l) => l.getAttribute('stroke-dasharray') ?? ''));
    const markers = await chart.locator('.legend li path').evaluateAll((ps) => ps.map((p) => p.getAttribute('d')));
    expect(new Set(dashes).size).toBe(seriesCount);
    expect(new Set(markers).size).toBe(seriesCount);

    const summary = chart.locator('details.chart-data summary');
    await summary.focus();
    expect(await chart.locator('details.chart-data table').isVisible()).toBe(false);
    await s.page.keyboard.press('Enter');
    const table = chart.locator('details.chart-data table');
    await table.waitFor({ state: 'visible' });
    const head = await table.locator('thead th').allInnerTexts();
    expect(head).toHaveLength(seriesCount + 1);
    const days = await table.locator('tbody tr').count();
    expect(days).toBe(29); // one row per day of the range
    await expectAccessible(s.page, 'overview with a chart table open');
    await s.context.close();
  });

  it('triage without a pointer: sign in, filter the queue, open an incident, change its status and add a note', async () => {
    const { incidents, users } = fixture();
    const context = await browser.newContext({ baseURL: baseURL(), viewport: { width: 1440, height: 900 } });
    const pointer = await recordPointerEvents(context);
    const page = await context.newPage();
    const kb = page.keyboard;

    // Sign in: the queue sends a visitor to the sign-in page, which comes back to the queue.
    await open(page, '/incidents');
    expect(new URL(page.url()).pathname).toBe('/login');
    await tabTo(page, 'input[name="username"]');
    await kb.type(users['caio-mof'].username);
    await tabTo(page, 'input[name="password"]', { max: 1 });
    await kb.type(users['caio-mof'].password);
    await Promise.all([page.waitForURL((u) => u.pathname === '/incidents'), kb.press('Enter')]);
    await page.waitForLoadState('networkidle');
    await expectAccessible(page);

    // Other browser tests move the fixture's incidents on (reports.test.ts confirms inc-mof-old), so the
    // flow takes the incident's status as it finds it (seeded: triaged) and filters the queue by it.
    const detail = await page.request.get(`/incidents/${incidents.mofOld}`);
    const current = /class="status s-([a-z_]+)/.exec(await detail.text())?.[1];
    expect(current, 'status of the incident the flow opens').toBeTruthy();

    // Filter: that status, applied with the form's button.
    await tabTo(page, 'select[name="status"]');
    await chooseWithArrows(page, current!);
    await tabTo(page, 'form.filters button[type="submit"]');
    await Promise.all([page.waitForURL(new RegExp(`status=${current}`)), kb.press('Enter')]);
    await page.waitForLoadState('networkidle');
    await expectAccessible(page);
    const statuses = await page.locator('[data-testid="incident-table"] tbody td.badge:not(.severity)').allInnerTexts();
    expect(statuses.length).toBeGreaterThan(0);
    expect(new Set(statuses.map((x) => x.trim())).size, 'one status after filtering').toBe(1);

    // Open the incident from its link.
    await tabTo(page, `a[href="/incidents/${incidents.mofOld}"]`);
    await Promise.all([page.waitForURL(`**/incidents/${incidents.mofOld}`), kb.press('Enter')]);
    await page.waitForLoadState('networkidle');
    await expectAccessible(page);
    const history = page.locator('[data-testid="history"] li');
    const historyBefore = await history.count();

    // Change its status with the first button the flow offers (triaged → confirmed when seeded).
    const statusBefore = await page.locator('[data-testid="status"]').innerText();
    const next = await page.locator('[data-testid^="to-"]').first().innerText();
    await tabTo(page, '[data-testid^="to-"]');
    await kb.press('Enter');
    await expect.poll(() => page.locator('[data-testid="status"]').innerText()).toBe(next.trim());
    expect(next.trim()).not.toBe(statusBefore.trim());
    await expectAccessible(page, 'incident after a status change');
    // The pressed button is gone; focus went to the triage heading, not to the top of the page.
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H2');

    // Add a note: type it, then the "add note" button with Space this time.
    const note = `keyboard-only note ${Date.now()}`;
    await tabTo(page, 'form[action="?/note"] textarea');
    await kb.type(note);
    await tabTo(page, '[data-testid="add-note"]', { max: 1 });
    await kb.press('Space');
    await expect.poll(() => history.count()).toBe(historyBefore + 2);
    expect(await page.locator('[data-testid="history"]').innerText()).toContain(note);
    await expectAccessible(page, 'incident after a note');

    expect(pointer, 'pointer events during the keyboard-only flow').toEqual([]);
    await context.close();
  });
});
