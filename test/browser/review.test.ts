// Review samples end to end: a reviewer labels items with the keyboard (an evidence span selected in
// the text, a severity key, save), the estimates on /evaluators change, a finding no evaluator flagged
// opens an incident; a CAIO labels their own ministry's item and gets 403 on another's; leadership
// sees the estimates but not the samples.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, open, signIn, statusOf } from './helpers.ts';
import { REVIEW, reviewItem } from './seeds/review.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const EVALUATORS = `/evaluators?from=${REVIEW.week}&to=${REVIEW.weekEnd}`;

/** Selects `needle` inside the prompt or response text, as a reviewer would with the mouse. */
async function selectText(page: Page, field: 'prompt' | 'response', needle: string): Promise<void> {
  await page.evaluate(
    ({ field, needle }) => {
      const el = document.querySelector(`[data-field="${field}"]`)!;
      const node = el.firstChild!;
      const i = node.textContent!.indexOf(needle);
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + needle.length);
      const sel = window.getSelection()!;
      sel.removeAllRanges();
      sel.addRange(range);
    },
    { field, needle },
  );
}

/** Presses a key with the focus on the page body (not in a field). */
async function key(page: Page, k: string): Promise<void> {
  await page.keyboard.press(k);
}

async function leaveItem(page: Page, itemId: string): Promise<void> {
  await page.waitForURL((u) => !u.pathname.endsWith(itemId));
  await page.waitForLoadState('networkidle');
}

describe('review samples', () => {
  it('a reviewer labels with the keyboard, the estimates change, and a miss opens an incident', async () => {
    const { context, page } = await signIn(browser, 'reviewer');

    await open(page, EVALUATORS);
    await expect.poll(() => page.locator('[data-testid="review-estimates-empty"]').count()).toBe(1);

    await open(page, '/review');
    expect(await page.locator('[data-testid="review-resume"]').count()).toBe(1);

    // The miss: a kanji-spelled mobile number no evaluator flagged. Select it, l = leakage, 3 = high.
    const miss = reviewItem('miss');
    await open(page, `/review/${miss}`);
    await expect.poll(() => page.locator('[data-testid="no-flags"]').count()).toBe(1);
    await selectText(page, 'prompt', REVIEW.missText);
    await key(page, 'l');
    await expect.poll(() => page.locator('[data-testid="evidence-leakage"] q').textContent()).toBe(REVIEW.missText);
    await key(page, '3');
    await expect.poll(() => page.locator('[data-testid="severity-leakage"]').inputValue()).toBe('high');
    await page.fill('textarea[name="note_leakage"]', 'personal mobile spelled in kanji');
    await page.locator('h1').click(); // leave the note field, so keys act on the page again
    await key(page, 's');
    await leaveItem(page, miss);

    // The flagged item: l without a selection marks the finding; Enter saves.
    const flagged = reviewItem('flagged');
    await open(page, `/review/${flagged}`);
    await key(page, 'l');
    await expect.poll(() => page.locator('[data-testid="judgment-leakage"]').getAttribute('class')).toContain('finding');
    await key(page, 'Enter');
    await leaveItem(page, flagged);

    // The clean item: n = no finding anywhere, saved.
    const clean = reviewItem('clean');
    await open(page, `/review/${clean}`);
    await key(page, 'n');
    await leaveItem(page, clean);

    // Resumable: the saved label is shown again, with its evidence.
    await open(page, `/review/${miss}`);
    await expect.poll(() => page.locator('[data-testid="evidence-leakage"] q').textContent()).toBe(REVIEW.missText);
    expect(await page.locator('textarea[name="note_leakage"]').inputValue()).toBe('personal mobile spelled in kanji');
    // j / k move between items without saving.
    await key(page, (await page.locator('[data-testid="next"]').count()) ? 'j' : 'k');
    await page.waitForURL((u) => !u.pathname.endsWith(miss));

    // The estimates now rest on three labels: two human-found leakage findings, one of them flagged.
    await open(page, EVALUATORS);
    await expect.poll(() => page.locator('[data-testid="found-leakage-any"]').textContent()).toBe('3 / 2');
    const recall = page.locator('[data-testid="recall-leakage-any"]');
    const estimate = Number(await recall.getAttribute('data-estimate'));
    expect(estimate).toBeGreaterThan(0);
    expect(estimate).toBeLessThan(1);
    expect(Number(await recall.getAttribute('data-low'))).toBeLessThan(estimate);
    expect(Number(await recall.getAttribute('data-high'))).toBeGreaterThan(estimate);
    expect(await page.locator('[data-testid="estimate-leakage-any"]').textContent()).toMatch(/1 missed|見逃し 1 件/);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="review-estimates-csv"]')]);
    const text = await (await import('node:fs')).promises.readFile((await csv.path())!, 'utf8');
    expect(text).toMatch(/all,,leakage,\*,recall,0\.\d+,/);

    // The miss opens an incident (source: review sample) that reaches the queue.
    await open(page, `/review/${miss}`);
    await page.click('[data-testid="open-incident-leakage"]');
    const link = page.locator('[data-testid="miss-incident-leakage"]');
    await expect.poll(() => link.count()).toBe(1);
    await link.click();
    await page.waitForURL(/\/incidents\/inc-/);
    await expect.poll(() => page.locator('h1').textContent()).toContain('missed by the evaluators (review sample)');
    await context.close();
  });

  it('a CAIO labels their own ministry\'s items only; leadership sees estimates, never samples', async () => {
    const caio = await signIn(browser, 'caio-mof');
    expect(await statusOf(caio.page, `/review/${reviewItem('mhlw')}`)).toBe(403);
    await open(caio.page, '/review?show=all');
    const rows = await caio.page.locator('[data-testid="review-table"] tbody tr').allTextContents();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => !/厚生労働省|MHLW/i.test(r))).toBe(true);

    const item = reviewItem('caio');
    await open(caio.page, `/review/${item}`);
    await selectText(caio.page, 'response', '説明資料');
    await key(caio.page, 'o');
    await key(caio.page, 'n'); // n overrides: no finding anywhere, saved
    await leaveItem(caio.page, item);
    await open(caio.page, `/review/${item}`);
    expect(await caio.page.locator('[data-testid="judgment-off_policy"]').getAttribute('class')).not.toContain('finding');
    // The label is recorded in the estimates (four labeled items now).
    await open(caio.page, EVALUATORS.replace('?', '?ministry=mof&'));
    await expect.poll(() => caio.page.locator('[data-testid="found-leakage-any"]').textContent()).toBe('4 / 2');
    await caio.context.close();

    const lead = await signIn(browser, 'leadership');
    expect(await statusOf(lead.page, '/review')).toBe(403);
    expect(await statusOf(lead.page, `/review/${reviewItem('clean')}`)).toBe(403);
    expect(await statusOf(lead.page, '/review/export.ndjson')).toBe(403);
    await open(lead.page, EVALUATORS);
    await expect.poll(() => lead.page.locator('[data-testid="review-estimates-table"]').count()).toBe(1);
    expect(await lead.page.content()).not.toContain(REVIEW.missText);
    await lead.context.close();

    // Every label and the raw views are in the audit log.
    const admin = await signIn(browser, 'admin');
    await open(admin.page, '/admin/audit?action=review_label');
    const labels = await admin.page.locator('[data-testid="audit-table"] tbody tr').allTextContents();
    expect(labels.filter((r) => r.includes('reviewer'))).toHaveLength(3);
    expect(labels.filter((r) => r.includes('caio-mof'))).toHaveLength(1);
    await admin.context.close();
  });
});
