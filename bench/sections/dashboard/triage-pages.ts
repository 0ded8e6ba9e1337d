// The triage and admin pages' data, loaded the way their +page.server.ts loads do (the same functions
// with the same arguments), with the views the bench cycles through: the incident queue with its
// filters and sorts, an incident's detail, the audit log with its filters, the filter-option queries
// behind the pages' selects, and the two CSV exports.
//
// CSV exports are timed twice on the streamed response the export routes return
// (src/lib/server/streamed-exports.ts: count, audit row, then the rows as the engine produces them): to
// the first byte of the body, which is what the visitor waits for and carries the page target, and to
// the last byte, reported with its rows per second (a download of up to a million rows has no fixed
// latency; its memory is what must stay flat, bench/sections/csv-export.ts).
import type { ClickHouseClient } from '../../../clickhouse/client.ts';
import { MINISTRIES } from '../../../contracts/ministries.ts';
import type { Page, VariantContext } from './pages.ts';
import { REVIEWERS } from './triage-data.ts';
import { unwrapped } from './raw-client.ts';

const SERVER = '../../../src/lib/server/';
const STORES = '../../../clickhouse/stores/';

type IncidentFilter = import('../../../src/lib/server/incident-queue.ts').IncidentFilter;
type AuditFilter = import('../../../src/lib/server/audit.ts').AuditFilter;
type Incident = import('../../../clickhouse/stores/incidents.ts').Incident;

/** A queue view: the URL's query string and the visitor's scope (a CAIO's ministry, or null). */
interface QueueView {
  query: string;
  scope: string | null;
}

/** The request an export is audited under: the bench's own reviewer account. */
const BENCH_EVENT = {
  locals: { user: { username: 'bench', role: 'reviewer', ministry: null } },
  request: new Request('http://bench.invalid/export.csv'),
  getClientAddress: () => '127.0.0.1',
} as unknown as import('../../../src/lib/server/audit.ts').RequestLike;

/** Reads a response body's first chunk and abandons the rest, as a cancelled download does. */
async function firstByte(res: Response): Promise<{ bytes: number }> {
  const reader = res.body!.getReader();
  const first = await reader.read();
  await reader.cancel();
  return { bytes: first.value?.byteLength ?? 0 };
}

/** Reads a response body to its last byte: the download's time, and its size (lines less the header). */
async function drain(res: Response): Promise<{ rows: number; bytes: number }> {
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.byteLength;
    for (const b of chunk) if (b === 10) lines++;
  }
  return { rows: Math.max(0, lines - 1), bytes };
}

function biggestMinistries(n: number): string[] {
  return [...MINISTRIES].sort((a, b) => b.planned_users - a.planned_users).slice(0, n).map((m) => m.code);
}

async function parseQueue(v: QueueView): Promise<IncidentFilter> {
  const q = await import(`${SERVER}incident-queue.ts`);
  return q.parseIncidentFilter(new URLSearchParams(v.query));
}

/** The queue page's load: one page with its position, the facets and the assignable users. */
async function queuePageLoader() {
  const q = await import(`${SERVER}incident-queue.ts`);
  const s = await import(`${STORES}incidents.ts`);
  const u = await import(`${SERVER}triage-users.ts`);
  return async (client: ClickHouseClient, v: QueueView) => {
    const filter = await parseQueue(v);
    const [page, facets, users] = await Promise.all([q.incidentQueuePage(client, filter, v.scope), s.incidentFacets(client, v.scope), u.assignableUsers(client, v.scope)]);
    return { page, facets, users: users.length };
  };
}

/** An export as two timed "pages": its first byte (the page target) and the whole download (rows/s, no latency target). */
function exportPages(
  name: string,
  about: string,
  respond: () => Promise<(client: ClickHouseClient, view: never) => Promise<Response>>,
  variants: (ctx: VariantContext) => Promise<unknown[]>,
): Page[] {
  return [
    // The export routes run on the shared client (streamed); the bench's query-logging wrapper is taken off.
    { name: `${name}, first byte`, about: `${about}, to the first byte of its body`, variants, load: async () => {
      const r = await respond();
      return async (client: ClickHouseClient, v: unknown) => firstByte(await r(unwrapped(client), v as never));
    } },
    { name, about: `${about}, to its last byte`, variants, latencyTarget: false, load: async () => {
      const r = await respond();
      return async (client: ClickHouseClient, v: unknown) => drain(await r(unwrapped(client), v as never));
    } },
  ];
}

const reviewerName = (i: number) => `reviewer${String(i).padStart(2, '0')}`;

export const TRIAGE_PAGES: Page[] = [
  {
    name: 'incident queue',
    about: 'the queue unfiltered, newest first and sorted by each column, first and a deep page',
    load: queuePageLoader as Page['load'],
    variants: async () =>
      ['', 'sort=severity', 'sort=status&dir=asc', 'sort=updated_at', 'sort=assignee&dir=asc', 'sort=ministry', 'page=40', 'sort=severity&page=200'].map(
        (query) => ({ query, scope: null }) satisfies QueueView,
      ),
  },
  {
    name: 'incident queue filtered',
    about: 'status, severity, ministry, category, assignee and age filters with sorts; a CAIO scope',
    load: queuePageLoader as Page['load'],
    variants: async () => {
      const [m1, m2] = biggestMinistries(2);
      return [
        { query: 'status=open&sort=severity', scope: null },
        { query: 'status=new&severity=high', scope: null },
        { query: `ministry=${m1}&category=leakage&sort=updated_at`, scope: null },
        { query: `status=triaged&assignee=${reviewerName(3)}`, scope: null },
        { query: 'severity=critical&status=resolved&sort=updated_at', scope: null },
        { query: 'category=hallucinated_citation&status=confirmed&age=gt7d', scope: null },
        { query: 'status=open&sort=severity', scope: m2 },
        { query: 'category=off_policy&sort=opened_at&dir=asc', scope: null },
      ] satisfies QueueView[];
    },
  },
  {
    name: 'incident detail',
    about: 'one incident: its state, output, live flags, history, assignable users, and the view_raw audit row',
    load: async () => {
      const inc = await import(`${SERVER}incidents.ts`);
      const det = await import(`${SERVER}incident-detail.ts`);
      const ev = await import(`${STORES}evaluation.ts`);
      const s = await import(`${STORES}incidents.ts`);
      const u = await import(`${SERVER}triage-users.ts`);
      const audit = await import(`${SERVER}audit.ts`);
      return async (client: ClickHouseClient, id: string) => {
        const incident = await inc.visibleIncident(client, id, null);
        const [output, flags, events, users] = await Promise.all([
          det.getIncidentOutput(client, incident.output_id),
          ev.liveFlagsOfOutput(client, incident.output_id),
          s.getIncidentEvents(client, incident.incident_id),
          u.assignableUsers(client, null),
        ]);
        await audit.writeAudit(client, { actor: reviewerName(1), role: 'reviewer', ip: '10.0.0.1', user_agent: 'bench' }, {
          action: 'view_raw',
          target: incident.incident_id,
          ministry: incident.ministry,
          detail: { output_id: incident.output_id, page: 'incident_detail' },
        });
        if (!output) throw new Error(`incident ${id}: its output ${incident.output_id} is missing`);
        return { incident, output, flags, events, users: users.length };
      };
    },
    // Incidents spread over the whole span (recent and old, every status), the same ones at each size where they exist.
    variants: async ({ client }: VariantContext) => {
      const rs = await client.query({ query: 'SELECT incident_id FROM incidents ORDER BY cityHash64(incident_id) LIMIT 20', format: 'JSONEachRow' });
      return (await rs.json<{ incident_id: string }>()).map((r) => r.incident_id);
    },
  },
  {
    name: 'audit log',
    about: 'the audit log newest first: first, a middle and a deep page, with the actor select',
    load: async () => {
      const a = await import(`${SERVER}audit.ts`);
      return async (client: ClickHouseClient, query: string) => {
        const filter = a.parseAuditFilter(new URLSearchParams(query));
        const [{ rows, paging }, actors] = await Promise.all([a.auditPage(client, filter), a.auditActors(client)]);
        return { rows, paging, actors };
      };
    },
    variants: async () => ['', 'page=10', 'page=100&per=200', 'page=2'],
  },
  {
    name: 'audit log filtered',
    about: 'the audit log by actor, action, day range and their combinations',
    load: async () => {
      const a = await import(`${SERVER}audit.ts`);
      return async (client: ClickHouseClient, query: string) => {
        const filter = a.parseAuditFilter(new URLSearchParams(query));
        const [{ rows, paging }, actors] = await Promise.all([a.auditPage(client, filter), a.auditActors(client)]);
        return { rows, paging, actors };
      };
    },
    variants: async ({ to, back }: VariantContext) => [
      `actor=${reviewerName(7)}`,
      'action=triage_status',
      `from=${back(7)}&to=${to}`,
      `actor=${reviewerName(12)}&action=view_raw&from=${back(30)}&to=${to}`,
      'action=login&page=3',
      `actor=caio-${biggestMinistries(1)[0]}`,
    ],
  },
  {
    name: 'filter options: dashboard',
    about: 'the app and model selects and the default day (every analytics page, openView)',
    load: async () => {
      const o = await import('../../../src/lib/server/queries/overview.ts');
      return async (client: ClickHouseClient, v: { scope: string | null; today: string }) => {
        const [options, latest] = await Promise.all([o.filterOptions(client, v.scope), o.latestDataDay(client, v.today)]);
        return { options, latest };
      };
    },
    variants: async ({ to }: VariantContext) => [null, ...biggestMinistries(2)].map((scope) => ({ scope, today: to })),
  },
  {
    name: 'filter options: incidents',
    about: 'the queue selects: categories, ministries and models of stored incidents, and assignable users',
    load: async () => {
      const s = await import(`${STORES}incidents.ts`);
      const u = await import(`${SERVER}triage-users.ts`);
      return async (client: ClickHouseClient, scope: string | null) => {
        const [facets, users] = await Promise.all([s.incidentFacets(client, scope), u.assignableUsers(client, scope)]);
        return { facets, users: users.map((x: { username: string }) => x.username) };
      };
    },
    variants: async () => [null, ...biggestMinistries(2)],
  },
  {
    name: 'filter options: audit log',
    about: 'the actor select of the audit log',
    load: async () => {
      const a = await import(`${SERVER}audit.ts`);
      return async (client: ClickHouseClient) => a.auditActors(client);
    },
    variants: async () => [null],
  },
  ...exportPages('incidents CSV export', 'every matching incident (up to the export cap) as the streamed CSV response', async () => {
    const x = await import(`${SERVER}streamed-exports.ts`);
    return async (client: ClickHouseClient, v: QueueView) =>
      x.incidentsCsv(client, BENCH_EVENT, { filter: await parseQueue(v), scope: v.scope, lang: 'ja', filters: v.query });
  }, async () => {
      const [m1] = biggestMinistries(1);
      return [
        { query: 'status=open', scope: null },
        { query: `ministry=${m1}`, scope: null },
        { query: 'severity=critical', scope: null },
      ] satisfies QueueView[];
    }),
  ...exportPages('audit CSV export', 'the audit log with a filter (up to the export cap) as the streamed CSV response', async () => {
    const a = await import(`${SERVER}audit.ts`);
    const x = await import(`${SERVER}streamed-exports.ts`);
    return async (client: ClickHouseClient, query: string) => {
      const { page: _p, per: _q, ...filter } = a.parseAuditFilter(new URLSearchParams(query)) as AuditFilter & { page: number; per: number };
      return x.auditCsv(client, BENCH_EVENT, filter);
    };
  }, async ({ to, back }: VariantContext) => [`from=${back(7)}&to=${to}`, `actor=${reviewerName(REVIEWERS)}`, 'action=triage_status']),
];
