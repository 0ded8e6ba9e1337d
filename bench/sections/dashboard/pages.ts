// The data of each dashboard page, loaded the way the page does: the same query functions from
// src/lib/server/queries with the same filters. Modules are imported when the bench runs, so a page
// whose queries have not landed is reported as "not available" instead of breaking the bench.
import type { ClickHouseClient } from '../../../clickhouse/client.ts';
import type { Filters } from '../../../src/lib/server/queries/filters.ts';
import { plannedUsers } from '../../../contracts/ministries.ts';

/** Loads one view of a page; the view is Filters for the analytics pages, the page's own shape otherwise. */
export type PageLoader = (client: ClickHouseClient, view: any) => Promise<unknown>;

/** What a page's views may be drawn from at each dataset size. */
export interface VariantContext {
  client: ClickHouseClient;
  /** The last day of data (yesterday, UTC). */
  to: string;
  /** The day n days back from `to`, inclusive (back(7) .. to is a week). */
  back: (days: number) => string;
}

export interface Page {
  name: string;
  /** What the page shows, for the notes. */
  about: string;
  /** Pages scoped to one ministry. */
  ministryScoped?: boolean;
  load: () => Promise<PageLoader>;
  /** The views timed loads cycle through; without it, the analytics date ranges (last 30, 7, 90 days). */
  variants?: (ctx: VariantContext) => Promise<unknown[]>;
  /**
   * false for a whole CSV download: its time grows with the rows it holds (up to a million), so it is
   * reported with its rows per second and no latency target; the same export's first byte carries the
   * page target (what a visitor waits for before the download starts).
   */
  latencyTarget?: boolean;
}

const Q = '../../../src/lib/server/queries/';

// The same functions the overview and ministry pages' loads call.
async function overviewData(client: ClickHouseClient, f: Filters) {
  const p = await import(`${Q}page-data.ts`);
  return p.overviewPageData(client, f);
}

async function ministryData(client: ClickHouseClient, f: Filters) {
  const p = await import(`${Q}page-data.ts`);
  return p.ministryPageData(client, f);
}

export const PAGES: Page[] = [
  {
    name: 'overview',
    about: 'DAU/WAU/MAU, requests by app and model, accuracy, risk by category and severity, incident counts',
    load: async () => overviewData,
  },
  {
    name: 'heatmap',
    about: 'ministry × week adoption and findings per 1,000 outputs',
    load: async () => {
      const h = await import(`${Q}heatmap.ts`);
      const planned = plannedUsers();
      return (client, f) => h.ministryWeekHeatmap(client, f, planned);
    },
  },
  {
    name: 'ministry',
    about: 'the overview for one ministry (a CAIO view)',
    ministryScoped: true,
    load: async () => ministryData,
  },
  {
    name: 'models',
    about: 'model scorecard (volume, latency, errors, flag rates) and daily latency',
    load: async () => {
      const m = await import(`${Q}models.ts`);
      return async (client, f) => ({ scorecard: await m.modelScorecard(client, f), latency: await m.latencyDaily(client, f) });
    },
  },
  {
    name: 'evaluators',
    about: 'rule quality (precision from reviewer verdicts) and precision by week',
    load: async () => {
      const e = await import(`${Q}evaluators.ts`);
      return (client, f) => e.evaluatorPageData(client, f);
    },
  },
  {
    name: 'pipeline',
    about: 'table freshness, DLQ, evaluator watermarks and backlog, ingest delay, stored offsets',
    load: async () => {
      const p = await import(`${Q}pipeline.ts`);
      return async (client) => {
        const [fresh, dlq, samples, marks, delay, offsets] = await Promise.all([
          p.tableFreshness(client),
          p.dlqByTopic(client),
          p.dlqSamples(client, false),
          p.evaluatorWatermarks(client),
          p.ingestDelay(client),
          p.storedOffsets(client),
        ]);
        return { fresh, dlq, samples, marks, delay, offsets };
      };
    },
  },
];
