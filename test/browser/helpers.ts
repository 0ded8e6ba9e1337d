// Shared by every browser test: Debian's Chromium through playwright-core, sign-in as a seeded role,
// a collector that fails the test if any JavaScript dialog (alert) fires, and an accessibility scan
// (axe-core, WCAG 2.0/2.1 A and AA) of every page that open() and statusOf() load.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { inject } from 'vitest';
import type { Fixture } from './fixture.ts';
import { expectAccessible } from './axe.ts';
import { dayBefore } from './anchor.ts';

export { expectAccessible } from './axe.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export type RoleName = keyof Fixture['users'];

export function baseURL(): string {
  return inject('baseURL');
}

export function fixture(): Fixture {
  return inject('fixture');
}

/** The run's anchor (anchor.ts): 00:00 UTC of the day the run started; every seeded row lies before it. */
export function anchor(): string {
  return inject('anchor');
}

/**
 * The UTC day `n` days before the anchor's day, for expected figures and explicit page ranges: day(1)
 * is the newest seeded day, day(0) the anchor's own day (nothing seeded). Never the clock when the test
 * runs, which may be a day later than the seeds.
 */
export function day(n: number): string {
  return dayBefore(anchor(), n);
}

/**
 * `from=…&to=…` for the 29 days ending on the newest seeded day (the analytics traffic's whole span):
 * explicit, so a page shows the same days whichever day the server thinks it is.
 */
export function seededRange(): string {
  return `from=${day(29)}&to=${day(1)}`;
}

export interface Session {
  context: BrowserContext;
  page: Page;
  /** Messages of any alert/confirm/prompt that fired (there should be none). */
  dialogs: string[];
}

/** A fresh browser context signed in as one of the seeded users (`scale` 2 = the page at 200 % zoom). */
export async function signIn(browser: Browser, role: RoleName, viewport = { width: 1440, height: 900 }, scale = 1): Promise<Session> {
  const user = fixture().users[role];
  return signInAs(browser, user.username, user.password, viewport, scale);
}

/** A fresh browser context signed in with any account (e.g. one a test created). */
export async function signInAs(browser: Browser, username: string, password: string, viewport = { width: 1440, height: 900 }, scale = 1): Promise<Session> {
  const context = await browser.newContext({ baseURL: baseURL(), viewport, deviceScaleFactor: scale, acceptDownloads: true });
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await open(page, '/login');
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type="submit"]')]);
  return { context, page, dialogs };
}

/**
 * Opens a page and waits until it is hydrated (no network activity left), so that typing or
 * clicking is not undone by hydration re-rendering the form; then fails the test if the page breaks
 * any WCAG A/AA rule axe-core checks (test/browser/axe.ts).
 */
export async function open(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await page.waitForLoadState('networkidle');
  await expectAccessible(page);
}

/** The HTTP status of a page load in this session; the page shown (an error page too) is scanned like any other. */
export async function statusOf(page: Page, path: string): Promise<number> {
  const res = await page.goto(path);
  if ((res?.headers()['content-type'] ?? '').startsWith('text/html')) {
    await page.waitForLoadState('networkidle');
    await expectAccessible(page);
  }
  return res?.status() ?? 0;
}
