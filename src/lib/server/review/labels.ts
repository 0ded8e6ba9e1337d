// The review queue and its labels: which items a reviewer still has to judge (first labels, then the
// blind second labels of double-labeled items), one item with the reviewer's own label (resumable),
// and saving a label (one row per category, the latest version wins, audited).
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from '../../../../clickhouse/client.ts';
import { ItemLabel, REVIEW_CATEGORIES, type Judgment } from '../../../../contracts/review.ts';
import { writeAudit, type AuditActor } from '../audit.ts';
import { keyedLock } from '../keyed-lock.ts';

/** A request the store refuses; `status` is the HTTP status to answer with. */
export class ReviewError extends Error {
  override name = 'ReviewError';
  readonly status: 400 | 403 | 404 | 409;
  constructor(message: string, status: 400 | 403 | 404 | 409 = 400) {
    super(message);
    this.status = status;
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

const ITEM_COLUMNS = `i.item_id AS item_id, i.round_id AS round_id, toString(i.week) AS week, i.rule_id AS rule_id,
  i.output_id AS output_id, i.ministry AS ministry, i.app AS app, i.output_at AS output_at, i.flagged AS flagged,
  i.stratum_size AS stratum_size, i.stratum_sampled AS stratum_sampled, i.second_review AS second_review, i.sampled_at AS sampled_at`;

/**
 * Items with their labelers (a subquery that aggregates the labels of the items asked for). The queue
 * order is week (newest first), ministry, app, item id; `where` filters on the joined row.
 */
const ITEMS_SQL = (where: string, labelFilter = '') => `
  SELECT ${ITEM_COLUMNS}, labelers FROM review_items AS i FINAL
    LEFT JOIN (SELECT item_id, groupUniqArray(reviewer) AS labelers FROM review_labels FINAL WHERE 1 ${labelFilter} GROUP BY item_id) AS l
      ON l.item_id = i.item_id
   WHERE ${where}`;

/** Does `reviewer` still have to label this item? Unlabeled, or double-labeled with one other label. */
export function needsLabelFrom(item: Pick<QueueItem, 'labelers' | 'second_review'>, reviewer: string): boolean {
  if (item.labelers.includes(reviewer)) return false;
  return item.labelers.length === 0 || (item.second_review === 1 && item.labelers.length === 1);
}

/** needsLabelFrom in SQL, for parameter {reviewer:String}. */
const UNLABELED_SQL = `(NOT has(labelers, {reviewer:String}) AND (length(labelers) = 0 OR (second_review = 1 AND length(labelers) = 1)))`;
const SHOW_SQL = { todo: UNLABELED_SQL, mine: 'has(labelers, {reviewer:String})', all: '1' } as const;
const ORDER = 'ORDER BY i.week DESC, i.ministry, i.app, i.item_id';
const ORDER_REVERSED = 'ORDER BY i.week ASC, i.ministry DESC, i.app DESC, i.item_id DESC';

export interface QueueFilter {
  scope: string | null;
  reviewer: string;
  /** 'todo': items this reviewer still has to label; 'mine': labeled by them; 'all'. */
  show: 'todo' | 'mine' | 'all';
  limit?: number;
}

function scopeSql(scope: string | null): string {
  return scope === null ? '1' : 'i.ministry = {scope:String}';
}

/** One page of the queue (first `limit` in queue order), with the queue's size and what is left to label. */
export async function listQueue(client: ClickHouseClient, f: QueueFilter): Promise<{ items: QueueItem[]; total: number; todo: number }> {
  const params = { scope: f.scope ?? '', reviewer: f.reviewer, limit: f.limit ?? 500 };
  const [items, [counts]] = await Promise.all([
    queryRows<QueueItem>(client, `${ITEMS_SQL(`${scopeSql(f.scope)} AND ${SHOW_SQL[f.show]}`)} ${ORDER} LIMIT {limit:UInt32}`, params),
    queryRows<{ total: number | string; todo: number | string }>(
      client,
      `SELECT count() AS total, countIf(${UNLABELED_SQL}) AS todo FROM (${ITEMS_SQL(scopeSql(f.scope))})`,
      params,
    ),
  ]);
  return { items, total: Number(counts?.total ?? 0), todo: Number(counts?.todo ?? 0) };
}

export async function getReviewItem(client: ClickHouseClient, id: string): Promise<QueueItem | undefined> {
  const [row] = await queryRows<QueueItem>(client, ITEMS_SQL('i.item_id = {id:String}', 'AND item_id = {id:String}'), { id });
  return row;
}

/** Previous and next items in the queue order, and the next item the reviewer still has to label. */
export async function neighbours(
  client: ClickHouseClient,
  item: QueueItem,
  scope: string | null,
  reviewer: string,
): Promise<{ prev: string | null; next: string | null; nextTodo: string | null; position: number; total: number }> {
  // "after" in the queue order: an older week, or the same week and a later (ministry, app, item id).
  const after = `(i.week < {week:Date} OR (i.week = {week:Date} AND (i.ministry, i.app, i.item_id) > ({ministry:String}, {app:String}, {id:String})))`;
  const before = `(i.week > {week:Date} OR (i.week = {week:Date} AND (i.ministry, i.app, i.item_id) < ({ministry:String}, {app:String}, {id:String})))`;
  const params = { scope: scope ?? '', reviewer, week: item.week, ministry: item.ministry, app: item.app, id: item.item_id };
  const first = async (where: string, order: string) =>
    (await queryRows<{ item_id: string }>(client, `SELECT item_id FROM (${ITEMS_SQL(`${scopeSql(scope)} AND ${where}`)} ${order} LIMIT 1)`, params))[0]?.item_id ?? null;
  const count = async (where: string) =>
    Number((await queryRows<{ n: number | string }>(client, `SELECT count() AS n FROM (${ITEMS_SQL(`${scopeSql(scope)} AND ${where}`)})`, params))[0]?.n ?? 0);
  const [prev, next, todoAfter, todoFirst, earlier, total] = await Promise.all([
    first(before, ORDER_REVERSED),
    first(after, ORDER),
    first(`${after} AND ${UNLABELED_SQL}`, ORDER),
    first(`i.item_id != {id:String} AND ${UNLABELED_SQL}`, ORDER),
    count(before),
    count('1'),
  ]);
  // After the last item, the next one to label wraps around to the start of the queue.
  return { prev, next, nextTodo: todoAfter ?? todoFirst, position: earlier + 1, total };
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
const exclusive = keyedLock();

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
