// The review queue and its labels: which items a reviewer still has to judge (first labels, then the
// blind second labels of double-labeled items), one item with the reviewer's own label (resumable),
// and saving a label (one row per category, the latest version wins, audited).
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from '../../../../clickhouse/client.ts';
import { ItemLabel, REVIEW_CATEGORIES, type Judgment } from '../../../../contracts/review.ts';
import { writeAudit, type AuditActor } from '../audit.ts';

/** A request the store refuses; `status` is the HTTP status to answer with. */
export class ReviewError extends Error {
  override name = 'ReviewError';
  constructor(
    message: string,
    readonly status: 400 | 403 | 404 | 409 = 400,
  ) {
    super(message);
  }
}

export interface ReviewItem {
  item_id: string;
  round_id: string;
  week: string;
  rule_id: string;
  output_id: string;
  ministry: string;
  app: string;
  output_at: string;
  flagged: number;
  stratum_size: number;
  stratum_sampled: number;
  second_review: number;
  sampled_at: string;
}

/** An item in the queue with who labeled it (names only: the labels stay blind). */
export interface QueueItem extends ReviewItem {
  labelers: string[];
}

const ITEM_COLUMNS = `item_id, round_id, toString(week) AS week, rule_id, output_id, ministry, app, output_at, flagged,
  stratum_size, stratum_sampled, second_review, sampled_at`;

/** Items and their labelers; `scope` (a CAIO's ministry) always applies. Ordered for next/previous. */
const QUEUE_SQL = (scopeSql: string, extra: string) => `
  SELECT ${ITEM_COLUMNS}, labelers FROM review_items FINAL
    LEFT JOIN (SELECT item_id, groupUniqArray(reviewer) AS labelers FROM review_labels FINAL WHERE 1 ${extra} GROUP BY item_id) AS l USING (item_id)
   WHERE 1 ${scopeSql} ${extra}
   ORDER BY week DESC, ministry, app, item_id`;

/** Does `reviewer` still have to label this item? Unlabeled, or double-labeled with one other label. */
export function needsLabelFrom(item: Pick<QueueItem, 'labelers' | 'second_review'>, reviewer: string): boolean {
  if (item.labelers.includes(reviewer)) return false;
  return item.labelers.length === 0 || (item.second_review === 1 && item.labelers.length === 1);
}

export interface QueueFilter {
  scope: string | null;
  reviewer: string;
  /** 'todo': items this reviewer still has to label; 'mine': labeled by them; 'all'. */
  show: 'todo' | 'mine' | 'all';
  limit?: number;
}

export async function listQueue(client: ClickHouseClient, f: QueueFilter): Promise<{ items: QueueItem[]; total: number; todo: number }> {
  const scopeSql = f.scope === null ? '' : 'AND ministry = {scope:String}';
  const params = { scope: f.scope ?? '', reviewer: f.reviewer };
  const all = await queryRows<QueueItem>(client, QUEUE_SQL(scopeSql, ''), params);
  const todo = all.filter((i) => needsLabelFrom(i, f.reviewer));
  const shown = f.show === 'todo' ? todo : f.show === 'mine' ? all.filter((i) => i.labelers.includes(f.reviewer)) : all;
  return { items: shown.slice(0, f.limit ?? 500), total: all.length, todo: todo.length };
}

export async function getReviewItem(client: ClickHouseClient, id: string): Promise<QueueItem | undefined> {
  const [row] = await queryRows<QueueItem>(client, QUEUE_SQL('', 'AND item_id = {id:String}'), { id });
  return row;
}

/** Previous and next items in the queue order, and the next item the reviewer still has to label. */
export async function neighbours(
  client: ClickHouseClient,
  item: QueueItem,
  scope: string | null,
  reviewer: string,
): Promise<{ prev: string | null; next: string | null; nextTodo: string | null; position: number; total: number }> {
  const { items } = await listQueue(client, { scope, reviewer, show: 'all', limit: Number.MAX_SAFE_INTEGER });
  const i = items.findIndex((x) => x.item_id === item.item_id);
  const after = [...items.slice(i + 1), ...items.slice(0, Math.max(i, 0))];
  return {
    prev: i > 0 ? items[i - 1].item_id : null,
    next: i >= 0 && i < items.length - 1 ? items[i + 1].item_id : null,
    nextTodo: after.find((x) => needsLabelFrom(x, reviewer))?.item_id ?? null,
    position: i + 1,
    total: items.length,
  };
}

export interface StoredJudgment {
  reviewer: string;
  pass: number;
  category: string;
  finding: number;
  severity: string;
  where: string;
  evidence_start: number;
  evidence_end: number;
  evidence_text: string;
  note: string;
  labeled_at: string;
}

/** One reviewer's judgments of an item (a reviewer never reads another's: the second label is blind). */
export async function labelsOf(client: ClickHouseClient, itemIdValue: string, reviewer: string): Promise<StoredJudgment[]> {
  return queryRows<StoredJudgment>(
    client,
    `SELECT reviewer, pass, category, finding, severity, where, evidence_start, evidence_end, evidence_text, note, labeled_at
       FROM review_labels FINAL WHERE item_id = {id:String} AND reviewer = {reviewer:String} ORDER BY category`,
    { id: itemIdValue, reviewer },
  );
}

// Saves for one item run one at a time in this process, so two reviewers saving at once cannot both
// take pass 1 (across processes the later label still stores; estimates use the earliest pass 1).
const locks = new Map<string, Promise<unknown>>();
async function exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
  const prior = locks.get(key) ?? Promise.resolve();
  const run = prior.then(work, work);
  const settled = run.catch(() => undefined);
  locks.set(key, settled);
  try {
    return await run;
  } finally {
    if (locks.get(key) === settled) locks.delete(key);
  }
}

/** The texts a span may point into, to check offsets and keep the evidence text. */
export interface ItemTexts {
  prompt: string;
  response: string;
}

/**
 * Stores a reviewer's label of an item: one row per category. A reviewer revising keeps their pass;
 * a new reviewer becomes pass 1, or pass 2 on a double-labeled item with one label; a third is refused.
 * `scope` is guard.ministryScope: a CAIO cannot label another ministry's item.
 */
export async function saveLabel(
  client: ClickHouseClient,
  input: unknown,
  texts: ItemTexts,
  ctx: { who: AuditActor; scope: string | null; at?: Date },
): Promise<{ pass: number; findings: string[] }> {
  const parsed = ItemLabel.safeParse(input);
  if (!parsed.success) throw new ReviewError(parsed.error.issues.map((i) => i.message).join('; '));
  const label = parsed.data;
  return exclusive(label.item_id, async () => {
    const item = await getReviewItem(client, label.item_id);
    if (!item) throw new ReviewError(`no review item ${label.item_id}`, 404);
    if (ctx.scope !== null && item.ministry !== ctx.scope) throw new ReviewError('this item belongs to another ministry', 403);
    const reviewer = ctx.who.actor;
    let pass: number;
    if (item.labelers.includes(reviewer)) {
      pass = (await labelsOf(client, item.item_id, reviewer))[0]?.pass ?? 1;
    } else if (item.labelers.length === 0) {
      pass = 1;
    } else if (item.second_review === 1 && item.labelers.length === 1) {
      pass = 2;
    } else {
      throw new ReviewError(item.second_review === 1 ? 'this item already has its two labels' : 'this item is already labeled by another reviewer', 409);
    }
    const at = ctx.at ?? new Date();
    const version = at.getTime();
    const rows = label.judgments.map((j) => judgmentRow(j, texts, { item, reviewer, pass, at: at.toISOString(), version }));
    await client.insert({ table: 'review_labels', values: rows, format: 'JSONEachRow' });
    const findings = label.judgments.filter((j) => j.finding).map((j) => j.category);
    await writeAudit(client, ctx.who, { action: 'review_label', target: item.item_id, ministry: item.ministry, detail: { output_id: item.output_id, pass, findings } }, at);
    return { pass, findings };
  });
}

/** One stored row of a judgment (also used by the demo's bulk labeling). */
export function judgmentRow(j: Judgment, texts: ItemTexts, x: { item: ReviewItem; reviewer: string; pass: number; at: string; version: number }) {
  const base = { item_id: x.item.item_id, reviewer: x.reviewer, pass: x.pass, category: j.category, output_id: x.item.output_id, ministry: x.item.ministry, labeled_at: x.at, version: x.version, note: j.note };
  if (!j.finding) return { ...base, finding: 0, severity: '', where: '', evidence_start: 0, evidence_end: 0, evidence_text: '' };
  const text = texts[j.where];
  if (j.end > text.length) throw new ReviewError(`${j.category}: the evidence span ends past the ${j.where} (${text.length} characters)`);
  return { ...base, finding: 1, severity: j.severity, where: j.where, evidence_start: j.start, evidence_end: j.end, evidence_text: text.slice(j.start, j.end) };
}

/** The form fields of the labeling page → an ItemLabel input (validated by saveLabel). */
export function labelFromForm(itemIdValue: string, form: FormData): unknown {
  const get = (k: string) => String(form.get(k) ?? '');
  return {
    item_id: itemIdValue,
    judgments: REVIEW_CATEGORIES.map((category) => {
      const note = get(`note_${category}`).trim();
      if (get(`finding_${category}`) !== '1') return { category, finding: false, note };
      const start = Number(get(`start_${category}`) || 0);
      const end = Number(get(`end_${category}`) || 0);
      return { category, finding: true, severity: get(`severity_${category}`) || 'medium', where: get(`where_${category}`) === 'prompt' ? 'prompt' : 'response', start, end, note };
    }),
  };
}
