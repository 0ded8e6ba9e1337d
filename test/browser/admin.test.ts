// The admin pages in a real Chromium: changing a user's role and ministry takes effect at once (their
// old session ends, the new one is held to the new ministry), the last admin cannot be demoted, the
// audit log records old → new and pages through a long history.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { day, fixture, launchBrowser, open, signIn, signInAs, statusOf } from './helpers.ts';
import { AUDIT_HISTORY } from './seeds/audit.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('user roles', () => {
  it('an admin makes a reviewer the CAIO of mof: their session ends, and signed in again they get 403 on another ministry', async () => {
    const username = 'promote-me';
    const password = 'promote-me-pass-1';
    const admin = await signIn(browser, 'admin');
    await open(admin.page, '/admin/users');
    await admin.page.fill('form.create input[name="username"]', username);
    await admin.page.selectOption('form.create select[name="role"]', 'reviewer');
    await admin.page.fill('form.create input[name="password"]', password);
    await admin.page.click('form.create button[type="submit"]');
    await expect.poll(() => admin.page.locator('[data-testid="role-promote-me"]').count()).toBe(1);

    const user = await signInAs(browser, username, password);
    expect(await statusOf(user.page, '/ministries/mhlw')).toBe(200);
    expect(await statusOf(user.page, `/incidents/${fixture().incidents.mhlwLeak}`)).toBe(200);

    // The row's inline form: a ministry list appears once CAIO is picked.
    expect(await admin.page.locator('[data-testid="ministry-promote-me"]').count()).toBe(0);
    await admin.page.selectOption('[data-testid="role-promote-me"]', 'caio');
    await admin.page.selectOption('[data-testid="ministry-promote-me"]', 'mof');
    await admin.page.click('[data-testid="save-role-promote-me"]');
    await expect.poll(() => admin.page.locator('[role="status"]').textContent()).toBe(
      'promote-me: レビュアー → CAIO · 財務省 (mof)。既存のセッション1件を終了しました。',
    );
    expect(await admin.page.locator('[data-testid="role-promote-me"]').inputValue()).toBe('caio');
    expect(await admin.page.locator('[data-testid="ministry-promote-me"]').inputValue()).toBe('mof');

    // The session the reviewer had is gone: the next page sends them to sign in.
    await open(user.page, '/ministries/mhlw');
    expect(new URL(user.page.url()).pathname).toBe('/login');
    await user.context.close();
    const caio = await signInAs(browser, username, password);
    expect(await statusOf(caio.page, '/ministries/mhlw')).toBe(403);
    expect(await statusOf(caio.page, `/incidents/${fixture().incidents.mhlwLeak}`)).toBe(403);
    expect(await statusOf(caio.page, '/ministries/mof')).toBe(200);
    await caio.context.close();

    // The audit log has who changed what, from what to what.
    await open(admin.page, `/admin/audit?action=user_update&actor=admin`);
    const row = admin.page.locator('[data-testid="audit-table"] tbody tr', { hasText: username });
    expect(await row.count()).toBe(1);
    const detail = JSON.parse((await row.locator('td.detail').textContent())!);
    expect(detail).toEqual({ change: 'role', from: { role: 'reviewer', ministry: '' }, to: { role: 'caio', ministry: 'mof' }, sessions_ended: 1 });
    await admin.context.close();
  });

  it('refuses to demote the last enabled admin and shows the stored role again', async () => {
    const admin = await signIn(browser, 'admin');
    await open(admin.page, '/admin/users');
    await admin.page.selectOption('[data-testid="role-admin"]', 'reviewer');
    await admin.page.click('[data-testid="save-role-admin"]');
    await expect.poll(() => admin.page.locator('[role="alert"]').textContent()).toContain('admin is the last enabled admin');
    expect(await admin.page.locator('[data-testid="role-admin"]').inputValue()).toBe('admin');
    expect(await statusOf(admin.page, '/admin/users')).toBe(200);
    await admin.context.close();
  });
});

describe('audit log pages', () => {
  it('goes to page 2 and back, keeping the filters', async () => {
    const admin = await signIn(browser, 'admin');
    // Only the seeded history (two days before the run's anchor and older): other browser tests add
    // reviewer rows as they run, dated by the server's clock on or after the anchor (on either side of
    // midnight, in a run that crosses it), and two sign-ins in the same second read alike, which the
    // no-overlap check below cannot tell apart. The page ends before the anchor: at < 00:00 of day(0).
    const to = day(1);
    await open(admin.page, `/admin/audit?actor=reviewer&per=50&to=${to}`);
    const summary = () => admin.page.locator('[data-testid="pager-top"] [data-testid="pager-summary"]').textContent();
    const text = (await summary())!;
    const total = Number(/合計 (\d+)件/.exec(text)?.[1]);
    expect(total).toBe(AUDIT_HISTORY.count);
    expect(text).toBe(`1–50 / 合計 ${total}件`);
    const cells = () => admin.page.locator('[data-testid="audit-table"] tbody tr').allTextContents();
    const first = await cells();
    expect(first).toHaveLength(50);

    await Promise.all([admin.page.waitForURL(/page=2/), admin.page.click('[data-testid="pager-bottom"] [data-testid="pager-next"]')]);
    expect(Object.fromEntries(new URL(admin.page.url()).searchParams)).toEqual({ actor: 'reviewer', per: '50', page: '2', to });
    await expect.poll(summary).toBe(`51–100 / 合計 ${total}件`);
    const second = await cells();
    expect(second).toHaveLength(50);
    expect(second.every((r) => r.includes('reviewer'))).toBe(true);
    expect(second.filter((r) => first.includes(r))).toEqual([]);

    await Promise.all([admin.page.waitForURL((u) => !u.searchParams.has('page')), admin.page.click('[data-testid="pager-top"] [data-testid="pager-prev"]')]);
    await expect.poll(summary).toBe(`1–50 / 合計 ${total}件`);
    expect(await cells()).toEqual(first);
    await admin.context.close();
  });
});
