// The incident queue as the URL describes it: filters, sort and page parsed from the query string
// (unknown values dropped, not trusted), and one page of it with its position. The SQL is the
// incident store's (clickhouse/stores/incidents.ts).
import type { ClickHouseClient } from '@clickhouse/client';
import {
  AGE_BUCKETS,
  SORT_KEYS,
  queuePage,
  type Incident,
  type IncidentQuery,
  type SortKey,
} from '../../../clickhouse/stores/incidents.ts';
import { SEVERITIES } from '../../../contracts/severities.ts';
import { isIncidentStatus } from '../../../contracts/incidents.ts';
import { pageInfo, pageWindow, parsePaging, type PageInfo, type PerPage } from '../paging.ts';

export interface IncidentFilter extends IncidentQuery {
  /** 1-based page of `per` rows (the CSV export ignores both and has every row). */
  page: number;
  per: PerPage;
}

/** The queue's filters as they appear in the URL (unknown values are dropped, not trusted). */
export function parseIncidentFilter(params: URLSearchParams): IncidentFilter {
  const pick = (k: string) => params.get(k)?.trim() || undefined;
  const status = pick('status');
  const severity = pick('severity');
  const age = pick('age');
  const sort = pick('sort');
  return {
    status: status === 'open' || isIncidentStatus(status) ? status : undefined,
    category: pick('category'),
    severity: (SEVERITIES as readonly string[]).includes(severity ?? '') ? severity : undefined,
    ministry: pick('ministry'),
    model: pick('model'),
    age: (AGE_BUCKETS as readonly string[]).includes(age ?? '') ? (age as IncidentFilter['age']) : undefined,
    assignee: pick('assignee'),
    sort: (SORT_KEYS as readonly string[]).includes(sort ?? '') ? (sort as SortKey) : 'opened_at',
    dir: pick('dir') === 'asc' ? 'asc' : 'desc',
    ...parsePaging(params),
  };
}

/**
 * One page of the queue with its position: the rows, the total and the page actually shown (a page
 * past the end, e.g. after incidents were resolved under a status filter, shows the last page). The
 * counts come first: they give the total and the page, and the page is then read from the groups of
 * the queue's order that hold it only (clickhouse/stores/incidents.ts queuePage).
 */
export async function incidentQueuePage(
  client: ClickHouseClient,
  filter: IncidentFilter,
  scope: string | null,
): Promise<{ incidents: Incident[]; paging: PageInfo }> {
  const { total, rows: incidents } = await queuePage(client, filter, scope, (n) => pageWindow({ ...filter, page: pageInfo(n, filter).page }));
  return { incidents, paging: pageInfo(total, filter) };
}

/** The queue's columns in its CSV export, in table order. */
export const INCIDENT_CSV_COLUMNS = ['incident_id', 'title', 'status', 'severity', 'category', 'ministry', 'model', 'assignee', 'opened_at'] as const;
