// An audit log longer than one page: AUDIT_HISTORY.count older rows (raw-text views and triage
// actions by the demo reviewer over the past weeks), so the audit page has a page 2 to go to. All of
// them end two days before the run's anchor (anchor.ts), apart from the rows the tests write (dated by
// the server's clock, on or after the anchor): a page filtered to end on dayBefore(1) shows exactly these.
import type { ClickHouseClient } from '@clickhouse/client';
import { DAY_MS, HOUR_MS, beforeAnchor, type SeedContext } from '../anchor.ts';

export const AUDIT_HISTORY = { count: 120 };

export async function seed(client: ClickHouseClient, ctx: SeedContext): Promise<void> {
  const actions = ['view_raw', 'view_raw', 'triage_status', 'triage_assign', 'triage_note'];
  const values = Array.from({ length: AUDIT_HISTORY.count }, (_, i) => ({
    at: beforeAnchor(ctx.anchor, 2 * DAY_MS + i * 5 * HOUR_MS),
    actor: 'reviewer',
    role: 'reviewer',
    action: actions[i % actions.length],
    target: `inc-q-${String((i % 110) + 1).padStart(3, '0')}`,
    ministry: i % 2 === 0 ? 'mlit' : 'meti',
    ip: '10.20.0.15',
    user_agent: 'Mozilla/5.0 (seeded history)',
    detail: actions[i % actions.length] === 'view_raw' ? '{"page":"incident"}' : '{"from":"new","to":"triaged"}',
  }));
  await client.insert({ table: 'audit_log', values, format: 'JSONEachRow' });
}
