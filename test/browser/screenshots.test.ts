// Screenshots of the access and triage pages at desktop (1440 px) and phone (390 px) widths, for a
// human to look at (written to $OVERSIGHT_SCREENSHOTS or <tmp>/oversight-screenshots). The test
// asserts what a screenshot cannot promise on its own: at phone width the page itself never scrolls
// sideways (wide tables scroll inside their own box).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseURL, fixture, launchBrowser, open, signIn, type RoleName } from './helpers.ts';

const OUT = process.env.OVERSIGHT_SCREENSHOTS ?? join(tmpdir(), 'oversight-screenshots');
const WIDTHS = [1440, 390];

let browser: Browser;
beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const pages = (): [string, RoleName | null, string][] => [
  ['login', null, '/login'],
  ['incidents', 'reviewer', '/incidents'],
  ['incident-detail', 'caio-mof', `/incidents/${fixture().incidents.mofMarkup}`],
  ['admin-users', 'admin', '/admin/users'],
  ['admin-audit', 'admin', '/admin/audit'],
];

describe('screenshots', () => {
  for (const width of WIDTHS) {
    it(`pages at ${width} px`, async () => {
      for (const [name, role, path] of pages()) {
        const viewport = { width, height: width > 800 ? 900 : 844 };
        const session = role
          ? await signIn(browser, role, viewport)
          : await (async () => {
              const context = await browser.newContext({ baseURL: baseURL(), viewport });
              return { context, page: await context.newPage() };
            })();
        await open(session.page, path);
        const file = join(OUT, `${name}-${width}.png`);
        await session.page.screenshot({ path: file, fullPage: true });
        expect(statSync(file).size).toBeGreaterThan(5000);
        const overflow = await session.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, `${name} at ${width} px scrolls sideways by ${overflow} px`).toBeLessThanOrEqual(0);
        await session.context.close();
      }
    });
  }
});
