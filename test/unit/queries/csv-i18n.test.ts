// The CSV helper every export uses, and the dictionaries every page uses.
import { describe, expect, it } from 'vitest';
import { csvCell, toCsv, csvResponse } from '../../../src/lib/csv.ts';
import { t, resolveLang, dictionaryKeys, ministryName, categoryName } from '../../../src/lib/i18n/index.ts';
import { dashboardMessages } from '../../../src/lib/i18n/dashboard.ts';

describe('csv', () => {
  it('quotes per RFC 4180 and starts with a BOM for Excel', () => {
    expect(toCsv(['a', 'b'], [{ a: 'x,y', b: 'say "hi"' }, { a: 'line\nbreak', b: null }])).toBe('\uFEFFa,b\r\n"x,y","say ""hi"""\r\n"line\nbreak",\r\n');
  });
  it('neutralises spreadsheet formulas in untrusted text but keeps negative numbers', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('+81')).toBe("'+81");
    expect(csvCell('-12.5')).toBe('-12.5');
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(['a', 'b'])).toBe('a;b');
  });
  it('serves a download with a safe file name', async () => {
    const res = csvResponse('a b/../c.csv', 'x\r\n');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="a_b_.._c.csv"');
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await res.text()).toBe('x\r\n');
  });
});

describe('i18n', () => {
  it('has an English string for every Japanese key and no empty strings', () => {
    expect(dictionaryKeys.en.sort()).toEqual(dictionaryKeys.ja.sort());
    for (const [k, v] of Object.entries(dashboardMessages.en)) expect(v, k).not.toBe('');
  });
  it('defaults to Japanese; ?lang=en wins over the cookie; substitutes variables', () => {
    expect(resolveLang(new URL('http://x/'), undefined)).toBe('ja');
    expect(resolveLang(new URL('http://x/'), 'en')).toBe('en');
    expect(resolveLang(new URL('http://x/?lang=ja'), 'en')).toBe('ja');
    expect(resolveLang(new URL('http://x/?lang=fr'), 'xx')).toBe('ja');
    expect(t('en', 'overview.window', { from: '2026-07-01', to: '2026-07-07' })).toBe('2026-07-01 to 2026-07-07');
    expect(t('ja', 'nav.overview')).toBe('概要');
    expect(t('ja', 'logout')).toBe('サインアウト'); // the access pages' strings are merged in
    expect(t('en', 'no.such.key')).toBe('no.such.key');
    expect(ministryName('mof', 'en')).toBe('Ministry of Finance');
    expect(categoryName('new_category', 'ja')).toBe('new_category');
  });
});

describe('ingester metrics on the pipeline page', () => {
  it('reads lag, totals and the paused flag from the shared pipeline registry', async () => {
    const { metrics } = await import('../../../pipelines/metrics.ts');
    const { ingestMetrics } = await import('../../../src/lib/server/queries/ingest-metrics.ts');
    expect((await ingestMetrics()).active).toBe(false);
    metrics.consumed.inc({ kind: 'usage' }, 10);
    metrics.inserted.inc({ kind: 'usage' }, 9);
    metrics.dlq.inc({ kind: 'usage', reason: 'invalid' }, 1);
    metrics.lag.set({ topic: 'genai.usage.v1', partition: 1 }, 40);
    metrics.lag.set({ topic: 'genai.usage.v1', partition: 0 }, 2);
    metrics.paused.set(1);
    expect(await ingestMetrics()).toEqual({
      active: true,
      paused: true,
      lastBatchAgeSeconds: null,
      crashes: 0,
      totals: [{ kind: 'usage', consumed: 10, inserted: 9, dlq: 1 }],
      lag: [
        { topic: 'genai.usage.v1', partition: 0, lag: 2 },
        { topic: 'genai.usage.v1', partition: 1, lag: 40 },
      ],
    });
  });

  it('shows how long ago a batch last completed, the liveness figure of a stalled consumer', async () => {
    const { metrics } = await import('../../../pipelines/metrics.ts');
    const { ingestMetrics } = await import('../../../src/lib/server/queries/ingest-metrics.ts');
    metrics.lastBatchCompleted.set(Date.now() / 1000 - 90);
    metrics.consumerCrashes.inc();
    const m = await ingestMetrics();
    expect(m.lastBatchAgeSeconds).toBeGreaterThanOrEqual(89);
    expect(m.lastBatchAgeSeconds).toBeLessThanOrEqual(92);
    expect(m.crashes).toBe(1);
  });
});
