// A queue long enough to page through: QUEUE.count incidents in two ministries no other browser test
// scopes to (mlit, meti), with the mix of categories, severities, states, models and ages a real
// queue has. Admins and reviewers see them next to the fixture's five incidents; a mof or mhlw CAIO
// never does. Deterministic, so the tests know every page in advance; opened at times counted back
// from the run's anchor (anchor.ts), not from the clock.
import type { ClickHouseClient } from '@clickhouse/client';
import { writeIncidents } from '../../../clickhouse/stores/incidents.ts';
import { HOUR_MS as HOUR, beforeAnchor, type SeedContext } from '../anchor.ts';

export const QUEUE = {
  count: 110,
  ministries: ['mlit', 'meti'],
  idPrefix: 'inc-q-',
};

const TITLES: Record<string, [string, string, string][]> = {
  leakage: [
    ['個人の携帯電話番号', 'personal_mobile', 'high'],
    ['マイナンバーの入力', 'my_number', 'critical'],
    ['個人のメールアドレス', 'personal_email', 'medium'],
    ['氏名と住所の組み合わせ', 'name_address', 'high'],
    ['クラウドのアクセスキー', 'aws_access_key', 'critical'],
  ],
  hallucinated_citation: [
    ['法令番号の誤り (道路法)', 'law_number_mismatch', 'high'],
    ['存在しない条文の引用 (建築基準法)', 'article_not_found', 'high'],
    ['廃止された通達の引用', 'repealed_notice', 'medium'],
    ['公布日の誤り (電気事業法)', 'promulgation_date_mismatch', 'low'],
  ],
  off_policy: [
    ['特定の事業者を推奨', 'vendor_endorsement', 'medium'],
    ['未公表の予算額を推測', 'unpublished_figures', 'high'],
    ['断定的な法的助言', 'legal_advice', 'low'],
  ],
};
const CATEGORY_ORDER = ['leakage', 'hallucinated_citation', 'off_policy', 'leakage', 'off_policy'];
const MODELS = ['tsuzumi-2', 'sakura-llm', 'plamo-2', 'gpt-oss-120b'];
const APPS = ['chat', 'drafting', 'legal_research', 'translation'];
const STATUSES = ['new', 'new', 'new', 'triaged', 'triaged', 'confirmed', 'false_positive', 'resolved'];

export function queueIncidentId(i: number): string {
  return `${QUEUE.idPrefix}${String(i + 1).padStart(3, '0')}`;
}

export async function seed(client: ClickHouseClient, ctx: SeedContext): Promise<void> {
  const values = Array.from({ length: QUEUE.count }, (_, i) => {
    const category = CATEGORY_ORDER[i % CATEGORY_ORDER.length];
    const [title, rule, severity] = TITLES[category][i % TITLES[category].length];
    const status = STATUSES[(i * 3) % STATUSES.length];
    // Pairs share an opened_at, so the queue's tiebreak (incident id) decides their order.
    const opened = beforeAnchor(ctx.anchor, 30 * 60_000 + Math.floor(i / 2) * 9 * HOUR);
    return {
      incident_id: queueIncidentId(i),
      output_id: `out-q-${i + 1}`,
      ministry: QUEUE.ministries[i % 2],
      app: APPS[i % APPS.length],
      model: MODELS[(i * 7) % MODELS.length],
      category,
      severity,
      rule_ids: [rule],
      title,
      status,
      assignee: status === 'new' ? '' : 'reviewer',
      verdict: status === 'confirmed' || status === 'false_positive' ? status : status === 'resolved' ? 'confirmed' : '',
      output_at: opened,
      opened_at: opened,
      updated_at: opened,
      version: 1,
    };
  });
  await writeIncidents(client, values); // keeps the incident rollup incident_verdicts_daily
}
