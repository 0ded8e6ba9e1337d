// The law catalog the citation evaluator uses, on the evaluators and pipeline pages: the test server
// has nothing imported, so both pages say the seed catalog is in use, with its law count, version and
// the evaluator version it gives, in Japanese and in English.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { SEED_LAW_CATALOG } from '../../contracts/law-catalog.ts';
import { catalogHash } from '../../evaluators/catalog.ts';
import { CITATIONS_VERSION } from '../../evaluators/citations.ts';
import { launchBrowser, open, signIn } from './helpers.ts';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('law catalog block', () => {
  it.each([
    ['/evaluators', 'reviewer'],
    ['/pipeline', 'admin'],
  ] as const)('%s shows the catalog in use', async (path, role) => {
    const s = await signIn(browser, role);
    await open(s.page, `${path}?lang=ja`);
    const block = s.page.locator('section.law-catalog');
    await expect.poll(() => block.innerText()).toContain('同梱の初期カタログ');
    const text = await block.innerText();
    expect(text).toContain(String(SEED_LAW_CATALOG.laws.length));
    expect(text).toContain(catalogHash(SEED_LAW_CATALOG));
    expect(text).toContain(`citations ${CITATIONS_VERSION}+catalog.${catalogHash(SEED_LAW_CATALOG)}`);
    await open(s.page, `${path}?lang=en`);
    await expect.poll(() => s.page.locator('section.law-catalog').innerText()).toContain('Seed catalog shipped with the package');
    await s.context.close();
  });
});
