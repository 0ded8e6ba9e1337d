// The one clock the browser tests' data and expectations are placed by, so a run gives the same result
// whatever the time of day it starts, and a run that crosses midnight UTC too.
//
// Global setup picks the run's anchor once: 00:00 UTC of the day the run begins (anchorFor). The seeds
// put every row before it: "hours ago" rows a few hours before it, daily traffic on whole days counted
// back from it, so the newest seeded day is always the day before the anchor's day (dayBefore(1)) and
// every seeded row lies in the past for the whole run. Tests read the anchor with inject('anchor')
// (helpers.ts day()) and never the clock when they run, and pass the days they expect to pages as an
// explicit from/to. The server still takes "today" from its own clock, but what it derives from it
// does not move when the day changes under a run: its default date range ends on the latest day with
// usage before today (src/lib/server/queries/view.ts), and the seeded usage ends on dayBefore(1),
// before either of two consecutive days. Rows the tests themselves write (sign-ins, triage steps) are
// dated by the server's clock, on or after the anchor: a test that must not count them ends its range
// before the anchor's day (admin.test.ts), one that must count them ends it on the day after the
// anchor's (reports.test.ts), which holds every moment of a run on either side of midnight.
//
// OVERSIGHT_BROWSER_ANCHOR=<ISO instant> makes global setup take that instant as the run's start
// instead of the clock, e.g. yesterday 23:58 UTC to replay a run whose seeds ran just before midnight
// and whose tests run after it.

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Fields the seed modules (seeds/*.ts, fixture.ts) place their rows by. */
export interface SeedContext {
  /** The run's anchor: an ISO instant at 00:00 UTC (anchorFor). */
  anchor: string;
}

/** The anchor of a run that starts at `now`: 00:00 UTC of that day, as an ISO instant. */
export function anchorFor(now: Date | number): string {
  const d = new Date(now);
  if (Number.isNaN(d.getTime())) throw new Error(`not an instant: ${String(now)}`);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())).toISOString();
}

/** Checks that `anchor` is one anchorFor made (00:00 UTC), so day arithmetic on it is exact. */
export function checkAnchor(anchor: string): string {
  const ms = Date.parse(anchor);
  if (!Number.isFinite(ms) || ms % DAY_MS !== 0) throw new Error(`the browser-test anchor must be 00:00 UTC of a day, got ${JSON.stringify(anchor)}`);
  return anchor;
}

/** The instant `ms` milliseconds before the anchor, as an ISO string (a row's timestamp). */
export function beforeAnchor(anchor: string, ms: number): string {
  return new Date(Date.parse(checkAnchor(anchor)) - ms).toISOString();
}

/** The UTC day (YYYY-MM-DD) `n` days before the anchor's day: 0 is the anchor's own day, 1 the newest seeded day. */
export function dayBefore(anchor: string, n: number): string {
  return beforeAnchor(anchor, n * DAY_MS).slice(0, 10);
}
