// Findings people can read: on the incident detail page the rule names and explanations are in the
// page's language (Japanese by default, English with ?lang=en), rendered from the flag's rule id and
// the params of its stored English text; a text that exists only in English is marked lang="en".
// Screenshots of both languages go to $OVERSIGHT_SCREENSHOTS or <tmp>/oversight-screenshots.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, launchBrowser, open, signIn } from './helpers.ts';

const OUT = process.env.OVERSIGHT_SCREENSHOTS ?? join(tmpdir(), 'oversight-screenshots');

let browser: Browser;
beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('findings in the UI language', () => {
  it('incident detail in Japanese, then in English', async () => {
    const { context, page } = await signIn(browser, 'reviewer');
    const id = fixture().incidents.mofCitation;

    await open(page, `/incidents/${id}?lang=ja`);
    await expect.poll(() => page.locator('[data-testid="rule-title"]').first().textContent()).toBe('法令番号の誤り');
    expect(await page.locator('h1').textContent()).toBe('誤った引用：法令番号の誤り');
    const ja = page.locator('[data-testid="explanation"]').first();
    expect(await ja.textContent()).toContain('民法の法令番号は明治29年法律第89号です（「明治29年法律第90号」ではありません）');
    expect(await ja.locator('span[lang]').count()).toBe(0);
    await page.screenshot({ path: join(OUT, 'incident-detail-findings-ja.png'), fullPage: true });

    await open(page, `/incidents/${id}?lang=en`);
    await expect.poll(() => page.locator('[data-testid="rule-title"]').first().textContent()).toBe('Wrong law number');
    expect(await page.locator('[data-testid="explanation"]').first().textContent()).toContain('民法 is 明治29年法律第89号, not 明治29年法律第90号');
    await page.screenshot({ path: join(OUT, 'incident-detail-findings-en.png'), fullPage: true });
    await context.close();
  });

  it('an explanation only stored in English is marked lang="en" on a Japanese page', async () => {
    const { context, page } = await signIn(browser, 'reviewer');
    await open(page, `/incidents/${fixture().incidents.mofMarkup}?lang=ja`);
    const english = page.locator('[data-testid="explanation"] span[lang="en"]');
    await expect.poll(() => english.count()).toBeGreaterThan(0);
    expect(await english.allTextContents()).toContain('seeded finding on plain text next to markup');
    await context.close();
  });
});
