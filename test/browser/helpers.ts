// Shared by every browser test: Debian's Chromium through playwright-core, sign-in as a seeded role,
// and a collector that fails the test if any JavaScript dialog (alert) fires.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { inject } from 'vitest';
import type { Fixture } from './fixture.ts';

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

export interface Session {
  context: BrowserContext;
  page: Page;
  /** Messages of any alert/confirm/prompt that fired (there should be none). */
  dialogs: string[];
}

/** A fresh browser context signed in as one of the seeded users. */
export async function signIn(browser: Browser, role: RoleName, viewport = { width: 1440, height: 900 }): Promise<Session> {
  const user = fixture().users[role];
  return signInAs(browser, user.username, user.password, viewport);
}

/** A fresh browser context signed in with any account (e.g. one a test created). */
export async function signInAs(browser: Browser, username: string, password: string, viewport = { width: 1440, height: 900 }): Promise<Session> {
  const context = await browser.newContext({ baseURL: baseURL(), viewport, acceptDownloads: true });
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
 * clicking is not undone by hydration re-rendering the form.
 */
export async function open(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await page.waitForLoadState('networkidle');
}

/** The HTTP status of a page load in this session. */
export async function statusOf(page: Page, path: string): Promise<number> {
  const res = await page.goto(path);
  return res?.status() ?? 0;
}
