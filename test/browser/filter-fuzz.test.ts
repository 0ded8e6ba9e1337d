// Every page and every CSV export of the built dashboard, asked with random and adversarial filter
// values (fast-check): no answer is a 5xx, and every answer comes within a bound. A link is all an
// attacker needs, so any signed-in role must not be able to stop or stall the server with one (issue 9:
// `/?to=9999-12-31` looped forever in dayRange and froze the whole process).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { APIRequestContext, Browser } from 'playwright-core';
import { MINISTRIES } from '../../contracts/ministries.ts';
import { TABLES } from '../../src/lib/server/queries/tables.ts';
import { day as dayBeforeAnchor, fixture, launchBrowser, signIn, type RoleName, type Session } from './helpers.ts';

/** Longest any one answer may take. Generous for a loaded 2-core machine; a runaway loop never answers. */
const BOUND_MS = 20_000;

const PAGES = ['/', '/ministries', '/ministries/mof', '/ministries/mhlw', '/models', '/heatmap', '/evaluators', '/pipeline', '/incidents', '/admin/audit'];
const EXPORTS = [...Object.keys(TABLES).map((id) => `/export/${id}`), '/incidents/export.csv', '/admin/audit/export.csv'];

const day = (y: number, m: number, d: number) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

/** `n` days after the run's anchor day (negative: before it), the days the seeded data is counted from. */
const nearAnchor = (n: number) => dayBeforeAnchor(-n);

/** Dates as a URL may carry them: real recent days, the store's edges, impossible and far-away ones, junk. */
const dateValue = fc.oneof(
  fc.integer({ min: -800, max: 30 }).map(nearAnchor),
  fc.constantFrom('1970-01-01', '1970-01-04', '2105-12-31', '2106-02-07', '2149-06-06', '9999-12-31', '0000-00-00', '2026-13-01', '2026-02-30', '1969-12-31', '+010000-01-01', '-000001-01-01'),
  fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 })).map(([y, m, d]) => day(y, m, d)),
  fc.string({ maxLength: 24 }),
);
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom("' OR 1=1 --", '{from:Date}', '%00', 'x'.repeat(5000)));
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const recentDay = fc.integer({ min: -800, max: 3 }).map(nearAnchor);
const ministryCode = fc.constantFrom(...MINISTRIES.map((m) => m.code));
const appName = fc.constantFrom('chat', 'legal_research', 'drafting');
const modelName = fc.constantFrom('tsuzumi-2', 'sakura-llm');

/** Half the time values a page accepts (so the queries run), half the time anything at all. */
const query = fc.record({
  from: maybe(fc.oneof(recentDay, dateValue)),
  to: maybe(fc.oneof(recentDay, dateValue)),
  ministry: maybe(fc.oneof(ministryCode, ministryCode, text)),
  app: maybe(fc.oneof(appName, appName, text)),
  model: maybe(fc.oneof(modelName, modelName, text)),
  // The incident queue's and the audit log's own parameters ride along; other pages ignore them.
  status: maybe(fc.oneof(fc.constantFrom('open', 'new', 'resolved'), text)),
  severity: maybe(fc.oneof(fc.constantFrom('high', 'critical'), text)),
  sort: maybe(fc.oneof(fc.constantFrom('severity', 'opened_at', 'assignee'), text)),
  dir: maybe(fc.constantFrom('asc', 'desc', 'sideways')),
  page: maybe(fc.oneof(fc.integer({ min: -5, max: 1_000_000_000 }).map(String), text)),
  per: maybe(fc.oneof(fc.constantFrom('25', '50', '200', '0', '-1', '1e9'), text)),
  age: maybe(fc.oneof(fc.constantFrom('lt1d', 'gt30d'), text)),
});

function toSearch(q: Record<string, string | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) p.set(k, v);
  return p.toString();
}

async function timedGet(request: APIRequestContext, path: string): Promise<{ status: number; ms: number }> {
  const t0 = Date.now();
  const res = await request.get(path, { maxRedirects: 0, timeout: BOUND_MS, failOnStatusCode: false });
  await res.body();
  return { status: res.status(), ms: Date.now() - t0 };
}

let browser: Browser;
const sessions = new Map<RoleName, Session>();
beforeAll(async () => {
  browser = await launchBrowser();
  for (const role of ['admin', 'leadership', 'caio-mof'] as const) sessions.set(role, await signIn(browser, role));
});
afterAll(async () => {
  for (const s of sessions.values()) await s.context.close();
  await browser?.close();
});

describe('no filter value stops or errors the dashboard', () => {
  it('the dates issue 9 found are a 400 at once, not a frozen process or a 500', async () => {
    const { request } = sessions.get('leadership')!.context;
    for (const path of ['/?to=9999-12-31', '/heatmap?to=9999-12-31', '/evaluators?from=9999-12-02&to=9999-12-31', '/?to=2026-13-01', '/?from=0000-00-00', '/export/overview-daily?to=9999-12-31']) {
      const r = await timedGet(request, path);
      expect(r.status, path).toBe(400);
      expect(r.ms, path).toBeLessThan(BOUND_MS);
    }
  });

  it('a CAIO gets the same answer for another ministry\'s incident as for an id that does not exist', async () => {
    const { request } = sessions.get('caio-mof')!.context;
    const answer = async (id: string) => {
      const res = await request.get(`/incidents/${id}`, { maxRedirects: 0, failOnStatusCode: false });
      const html = await res.text();
      const part = (re: RegExp) => (re.exec(html)?.[1] ?? '').replaceAll(id, '<id>');
      return { status: res.status(), heading: part(/<h1[^>]*>([\s\S]*?)<\/h1>/), reason: part(/<p class="reason[^"]*"[^>]*>([\s\S]*?)<\/p>/) };
    };
    const other = await answer(fixture().incidents.mhlwLeak);
    expect(other.status).toBe(403);
    expect(other.reason).not.toBe('');
    expect(await answer('inc-does-not-exist')).toEqual(other);
  });

  it('the store\'s edge days answer (not 5xx) on every page', async () => {
    const { request } = sessions.get('admin')!.context;
    for (const q of ['from=1970-01-01&to=1970-01-31', 'from=2105-12-01&to=2105-12-31', 'from=1970-01-01&to=1972-01-01']) {
      for (const path of [...PAGES, ...EXPORTS]) {
        const r = await timedGet(request, `${path}?${q}`);
        expect(r.status, `${path}?${q}`).toBeLessThan(500);
      }
    }
  });

  for (const role of ['admin', 'leadership', 'caio-mof'] as const) {
    it(`random filters on every page and export, as ${role}: no 5xx, each answer within ${BOUND_MS / 1000} s`, async () => {
      const { request } = sessions.get(role)!.context;
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...PAGES, ...EXPORTS), query, async (path, q) => {
          const url = `${path}?${toSearch(q)}`;
          const r = await timedGet(request, url);
          expect(r.status, url).toBeLessThan(500);
          expect(r.ms, url).toBeLessThan(BOUND_MS);
        }),
        { numRuns: 80, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31), verbose: 1 },
      );
    });
  }
});
