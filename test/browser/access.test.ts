// Who may see what, checked through a real browser against the built server: every rule here is
// enforced on the server, so the tests open URLs directly rather than clicking visible links.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { CITATION_RESPONSE, XSS_RESPONSE } from './fixture.ts';
import { baseURL, expectAccessible, fixture, launchBrowser, open, signIn, statusOf } from './helpers.ts';
import { QUEUE, queueIncidentId } from './seeds/queue.ts';
import { REVIEW } from './seeds/review.ts';
import { incidentIdFor } from '../../src/lib/server/review/misses.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** Every incident in the database: the fixture's five and the long queue of seeds/queue.ts. */
const ALL = () => [...Object.values(fixture().incidents), ...Array.from({ length: QUEUE.count }, (_, i) => queueIncidentId(i))].sort();
/** Incidents another browser test opens on purpose, whichever runs first: review.test.ts's miss (mof). */
const OPENED_BY_OTHER_TESTS = [incidentIdFor(REVIEW.outputs.miss, 'leakage')];
/** The seeded ids on the first page of 200 (enough for everything seeded). */
async function queueIds(page: import('playwright-core').Page): Promise<string[]> {
  await open(page, '/incidents?per=200');
  const ids = (await page.locator('[data-testid="incident-table"] tbody td.id').allTextContents()).map((s) => s.trim());
  return ids.filter((id) => !OPENED_BY_OTHER_TESTS.includes(id)).sort();
}

describe('signing in', () => {
  it('sends a visitor without a session to the login page, then back where they were going', async () => {
    const context = await browser.newContext({ baseURL: baseURL() });
    const page = await context.newPage();
    await open(page, '/incidents?status=new');
    expect(new URL(page.url()).pathname).toBe('/login');
    const reviewer = fixture().users.reviewer;
    await page.fill('input[name="username"]', reviewer.username);
    await page.fill('input[name="password"]', 'wrong-password-123');
    await page.click('button[type="submit"]');
    await expect.poll(() => page.locator('[role="alert"]').count()).toBe(1);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('input[name="password"]', reviewer.password);
    await Promise.all([page.waitForURL('**/incidents?status=new'), page.click('button[type="submit"]')]);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'oversight_session')!;
    expect(session.httpOnly).toBe(true);
    expect(session.sameSite).toBe('Lax');
    await context.close();
  });

  it('signing out revokes the session on the server, not just the cookie', async () => {
    const { context, page } = await signIn(browser, 'reviewer');
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'oversight_session');
    await open(page, '/incidents');
    const csrf = await page.locator('input[name="csrf"]').first().inputValue();
    const res = await context.request.post('/logout', { form: { csrf }, headers: { origin: baseURL() }, maxRedirects: 0 });
    expect(res.status()).toBe(303);
    // The open page now navigates client-side without a session: it lands on the sign-in page.
    await page.click('nav a[href="/heatmap"]');
    await page.waitForURL('**/login?next=*');
    // Replaying the old cookie must not work any more.
    const replay = await browser.newContext({ baseURL: baseURL() });
    await replay.addCookies([{ ...cookie }]);
    const again = await replay.request.get('/incidents', { maxRedirects: 0, headers: { accept: 'text/html' } });
    expect(again.status()).toBe(303);
    expect(again.headers().location).toContain('/login');
    await replay.close();
    await context.close();
  });
});

describe('roles', () => {
  it('admin manages users and sees every incident', async () => {
    const { context, page } = await signIn(browser, 'admin');
    expect(await statusOf(page, '/admin/users')).toBe(200);
    const names = await page.locator('[data-testid="users-table"] tbody tr td:first-child').allTextContents();
    expect(names.map((s) => s.trim())).toEqual(expect.arrayContaining(['admin', 'reviewer', 'leadership', 'caio-mof', 'caio-mhlw']));
    expect(await queueIds(page)).toEqual(ALL());
    await context.close();
  });

  it('a reviewer sees all ministries and raw text, but not the admin pages', async () => {
    const { context, page } = await signIn(browser, 'reviewer');
    expect(await queueIds(page)).toEqual(ALL());
    expect(await statusOf(page, `/incidents/${fixture().incidents.mhlwLeak}`)).toBe(200);
    await expect.poll(() => page.locator('[data-testid="prompt-text"]').textContent()).toContain('090-1234-5678');
    expect(await statusOf(page, '/admin/users')).toBe(403);
    expect(await statusOf(page, '/admin/audit')).toBe(403);
    await context.close();
  });

  it('leadership sees aggregates only: no queue, no incident, no raw text anywhere', async () => {
    const { context, page } = await signIn(browser, 'leadership');
    const { incidents } = fixture();
    expect(await statusOf(page, '/incidents')).toBe(403);
    expect(await statusOf(page, `/incidents/${incidents.mofCitation}`)).toBe(403);
    expect(await statusOf(page, '/admin/users')).toBe(403);
    const csv = await context.request.get('/incidents/export.csv');
    expect(csv.status()).toBe(403);
    for (const path of ['/', '/ministries/mof']) {
      const res = await page.goto(path);
      await expectAccessible(page);
      const html = (await res?.text()) ?? '';
      for (const raw of [CITATION_RESPONSE, XSS_RESPONSE, '090-1234-5678', '不法行為の根拠条文']) expect(html).not.toContain(raw);
    }
    await context.close();
  });

  it('a CAIO sees only their ministry; another ministry by URL is 403', async () => {
    const { context, page } = await signIn(browser, 'caio-mof');
    const { incidents } = fixture();
    expect(await queueIds(page)).toEqual([incidents.mofCitation, incidents.mofMarkup, incidents.mofOld].sort());
    // review.test.ts's miss is a mof incident too, when that test ran first.
    const extra = (await page.locator('[data-testid="incident-table"] tbody td.id').allTextContents()).filter((id) => OPENED_BY_OTHER_TESTS.includes(id.trim())).length;
    const n = 3 + extra;
    // The total and the pages count only their ministry: a page past the end shows the only page.
    await open(page, '/incidents?per=50&page=2');
    expect(await page.locator('[data-testid="incident-table"] tbody tr').count()).toBe(n);
    expect(await page.locator('[data-testid="pager-top"] [data-testid="pager-summary"]').textContent()).toBe(`1–${n} / 合計 ${n}件`);
    expect(await page.locator('[data-testid="pager-next"], [data-testid="pager-prev"]').count()).toBe(0);
    // A filter for another ministry in the URL is refused (as /ministries/<other> is), on the page and its export.
    expect(await statusOf(page, '/incidents?ministry=mhlw')).toBe(403);
    expect(await statusOf(page, '/incidents?ministry=mof')).toBe(200);
    expect(await statusOf(page, `/incidents/${incidents.mhlwLeak}`)).toBe(403);
    expect(await statusOf(page, `/incidents/${incidents.daResolved}`)).toBe(403);
    expect(await statusOf(page, '/ministries/mhlw')).toBe(403);
    expect(await statusOf(page, '/ministries/mof')).not.toBe(403);
    expect(await statusOf(page, `/incidents/${incidents.mofCitation}`)).toBe(200);
    expect((await context.request.get('/incidents/export.csv?ministry=mhlw')).status()).toBe(403);
    const own = (await (await context.request.get('/incidents/export.csv?ministry=mof')).text()).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(own).toHaveLength(n + 1); // the header and the ministry's own incidents
    await context.close();
  });

  it('refuses a state-changing request without the session CSRF token', async () => {
    const { context } = await signIn(browser, 'reviewer');
    const { incidents } = fixture();
    const res = await context.request.post(`/incidents/${incidents.mofOld}?/note`, {
      form: { note: 'no token' },
      headers: { origin: baseURL(), accept: 'application/json', 'x-sveltekit-action': 'true' },
    });
    expect(res.status()).toBe(403);
    await context.close();
  });
});
