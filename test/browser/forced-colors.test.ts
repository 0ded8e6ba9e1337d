// Windows high contrast (forced colours, issue 17): with `forced-colors: active` emulated in Chromium, the
// theme chooses every colour. On the main pages this checks what must survive that:
// - every tab stop still draws a focus indicator (an outline: forced colours drop box-shadow);
// - every mark and text in the SVG charts takes a theme colour (CanvasText, GrayText, Canvas), since SVG
//   keeps authored colours that a dark theme can hide, and series stay apart by dash pattern and marker
//   shape, not colour;
// - status and severity badges keep a visible border in the theme's text colour;
// - the heatmap keeps its colour scale (forced-color-adjust: none) with text at 4.5:1 in every cell.
// axe-core does not scan these loads (the other browser tests scan every page with normal colours): under
// emulated forced colours its contrast rule reads -webkit-text-fill-color, which Chromium leaves at the
// authored colour while it paints the forced one, and reports contrasts nobody sees.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { day, fixture, launchBrowser, seededRange, signIn } from './helpers.ts';
import { focusStops } from './keyboard.ts';

/** The seeded traffic's 29 days, explicit (helpers.ts): the pages show the same days whatever the server's clock. */
const range = seededRange();

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** Loads a page and waits until it is hydrated (open() without the axe-core scan; see above). */
async function load(page: Page, path: string): Promise<void> {
  const res = await page.goto(path);
  expect(res?.status(), path).toBe(200);
  await page.waitForLoadState('networkidle');
}

/** The theme's system colours as this Chromium resolves them. */
async function systemColors(page: Page): Promise<Record<'CanvasText' | 'Canvas' | 'GrayText', string>> {
  return page.evaluate(() => {
    const probe = document.createElement('div');
    document.body.append(probe);
    const read = (c: string) => {
      probe.style.color = c;
      return getComputedStyle(probe).color;
    };
    const out = { CanvasText: read('CanvasText'), Canvas: read('Canvas'), GrayText: read('GrayText') };
    probe.remove();
    return out;
  });
}

/** SVG marks and texts in the page whose stroke or fill is not a theme colour. */
async function svgOffTheme(page: Page, allowed: string[]): Promise<string[]> {
  return page.evaluate((ok) => {
    const bad: string[] = [];
    for (const el of document.querySelectorAll('main svg :is(line, path, rect, circle, polyline, polygon, text)')) {
      const cs = getComputedStyle(el);
      for (const [prop, value] of [['stroke', cs.stroke], ['fill', cs.fill]] as const) {
        if (value === 'none' || ok.includes(value)) continue;
        const chart = el.closest('figure')?.querySelector('figcaption')?.textContent?.trim().slice(0, 40) ?? el.closest('svg')?.getAttribute('aria-label')?.slice(0, 40) ?? '';
        bad.push(`${el.tagName} ${prop}=${value} in "${chart}"`);
      }
    }
    return [...new Set(bad)];
  }, allowed);
}

describe('forced colours (Windows high contrast)', () => {
  it('keeps focus indicators, theme-coloured charts told apart without colour, bordered badges and the heatmap scale', async () => {
    const s = await signIn(browser, 'admin');
    // A safety review (radar chart) and a rollout report (trend chart) of the two seeded weeks.
    const reports: string[] = [];
    for (const kind of ['safety', 'rollout']) {
      await load(s.page, '/reports');
      await s.page.check(`input[name="kind"][value="${kind}"]`);
      await s.page.check('input[name="period_kind"][value="custom"]');
      await s.page.fill('input[name="from"]', day(14));
      await s.page.fill('input[name="to"]', day(1));
      await Promise.all([s.page.waitForURL(/\/reports\/RPT-/), s.page.click('[data-testid="report-form"] button[type="submit"]')]);
      reports.push(new URL(s.page.url()).pathname);
    }
    await s.page.emulateMedia({ forcedColors: 'active' });
    const pages = [`/?${range}`, `/heatmap?${range}`, `/evaluators?${range}`, '/incidents?per=20', `/incidents/${fixture().incidents.mofOld}`, '/pipeline', ...reports];
    let charts = 0;
    for (const path of pages) {
      await load(s.page, path);
      expect(await s.page.evaluate(() => matchMedia('(forced-colors: active)').matches), path).toBe(true);
      const sys = await systemColors(s.page);

      const stops = await focusStops(s.page, 60);
      expect(stops.length, `${path}: tab stops`).toBeGreaterThan(3);
      expect(stops.filter((st) => !st.indicated).map((st) => st.what), `${path}: stops without a focus indicator in forced colours`).toEqual([]);

      expect(await svgOffTheme(s.page, [sys.CanvasText, sys.Canvas, sys.GrayText]), `${path}: SVG marks keeping authored colours`).toEqual([]);

      // Multi-series line charts: series apart by dash pattern and marker shape, in the plot and the legend.
      for (const chart of await s.page.locator('figure.chart:has(.legend)').all()) {
        charts++;
        const n = await chart.locator('.legend li').count();
        const dashes = await chart.locator('path.series').evaluateAll((ps) => ps.map((p) => getComputedStyle(p).strokeDasharray));
        expect(dashes, `${path}: one dash pattern per series`).toHaveLength(n);
        expect(new Set(dashes).size, `${path}: distinct dash patterns`).toBe(n);
        const markers = await chart.locator('.legend li path').evaluateAll((ps) => ps.map((p) => p.getAttribute('d')));
        expect(new Set(markers).size, `${path}: distinct marker shapes`).toBe(n);
      }
    }
    expect(charts, 'multi-series charts seen').toBeGreaterThan(0);
    // The reports' radar and trend charts were among the SVG checked above.
    await load(s.page, reports[0]);
    expect(await s.page.locator('figure.radar svg[role="img"] path.fc-line').count()).toBeGreaterThan(0);
    await load(s.page, reports[1]);
    expect(await s.page.locator('figure.trend svg[role="img"] path.fc-line').count()).toBeGreaterThan(0);

    // Badges: a solid border in the theme's text colour around each status and severity.
    await load(s.page, '/incidents?per=20');
    const sys = await systemColors(s.page);
    const badges = await s.page.locator('[data-testid="incident-table"] :is(.status, .sev)').evaluateAll((els) =>
      els.map((el) => {
        const cs = getComputedStyle(el);
        return { text: (el as HTMLElement).innerText, style: cs.borderTopStyle, width: parseFloat(cs.borderTopWidth), border: cs.borderTopColor, color: cs.color, visible: (el as HTMLElement).offsetWidth > 0 };
      }),
    );
    expect(badges.length).toBeGreaterThan(3);
    for (const b of badges) {
      expect(b, b.text).toMatchObject({ style: 'solid', border: sys.CanvasText, color: sys.CanvasText, visible: true });
      expect(b.width, b.text).toBeGreaterThanOrEqual(1);
    }

    // The heatmap keeps its scale, and every value stays readable on its cell.
    await load(s.page, `/heatmap?${range}`);
    const cells = await s.page.locator('figure.heatmap td.v').evaluateAll((tds) => {
      const rgb = (c: string) => (c.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
      const lum = (c: string) => {
        const [r, g, b] = rgb(c).map((v) => {
          const x = v / 255;
          return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      return tds.map((td) => {
        const cs = getComputedStyle(td);
        const [a, b] = [lum(cs.color), lum(cs.backgroundColor)].sort((x, y) => y - x);
        return { adjust: cs.forcedColorAdjust, background: cs.backgroundColor, contrast: (a + 0.05) / (b + 0.05), text: (td as HTMLElement).innerText };
      });
    });
    expect(cells.length).toBeGreaterThan(10);
    expect(new Set(cells.map((c) => c.adjust))).toEqual(new Set(['none']));
    expect(new Set(cells.map((c) => c.background)).size, 'heatmap colours').toBeGreaterThan(2);
    expect(cells.filter((c) => c.contrast < 4.5).map((c) => `${c.text} on ${c.background}`)).toEqual([]);

    expect(s.dialogs).toEqual([]);
    await s.context.close();
  }, 400_000); // six pages, each scanned and tabbed through: minutes on a loaded machine
});
