// An audit log longer than one page: AUDIT_HISTORY.count older rows (raw-text views and triage
// actions by the demo reviewer over the past weeks), so the audit page has a page 2 to go to.
import type { ClickHouseClient } from '@clickhouse/client';

export const AUDIT_HISTORY = { count: 120 };

export async function seed(client: ClickHouseClient): Promise<void> {
  const now = Date.now();
  const actions = ['view_raw', 'view_raw', 'triage_status', 'triage_assign', 'triage_note'];
  const values = Array.from({ length: AUDIT_HISTORY.count }, (_, i) => ({
    at: new Date(now - (2 * 86_400_000 + i * 5 * 3_600_000)).toISOString(),
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
