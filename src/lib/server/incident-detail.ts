// What the incident page shows besides the incident: its output (raw text; the page audits the view)
// and the output's live flags, and the cutting of the text into highlighted evidence spans.
import type { ClickHouseClient } from '@clickhouse/client';
import { queryRows } from '../../../clickhouse/client.ts';
import type { OutputEventRow } from '../../../contracts/tables.ts';

export type IncidentOutput = Pick<OutputEventRow, 'output_id' | 'occurred_at' | 'app' | 'model' | 'language' | 'confidentiality_level' | 'prompt' | 'response'>;

/**
 * outputs is ordered by (ministry, day, output_id): the output's ministry and day come first from
 * output_keys (keyed by the id's hash, kept by a view in the same insert), so the read touches the primary
 * key range of that one day instead of checking the output_id bloom filter of every granule, which
 * grows with the history.
 */
export async function getIncidentOutput(client: ClickHouseClient, outputId: string): Promise<IncidentOutput | undefined> {
  const [row] = await queryRows<IncidentOutput>(
    client,
    `SELECT output_id, occurred_at, app, model, language, confidentiality_level, prompt, response
       FROM outputs FINAL WHERE output_id = {id:String}
        AND (ministry, toDate(occurred_at)) IN (SELECT ministry, toDate(occurred_at) FROM output_keys WHERE h = cityHash64({id:String}) AND output_id = {id:String})`,
    { id: outputId },
  );
  return row;
}

// ------------------------------------------------------------------------------------ evidence spans

export interface Span {
  start: number;
  end: number;
  /** Which flag (1-based, as numbered on the page) the span belongs to. */
  ref: number;
}
export interface Segment {
  text: string;
  /** Flags whose evidence covers this piece; empty for plain text. */
  refs: number[];
}

/**
 * Cuts text into plain and highlighted pieces. Offsets are UTF-16 code units (JavaScript string
 * indices); out-of-range spans are clamped, and a cut that would split a surrogate pair moves to
 * keep the character whole. The pieces are rendered as text nodes, never as HTML.
 */
export function highlightSegments(text: string, spans: Span[]): Segment[] {
  const valid = spans
    .map((s) => ({ ref: s.ref, start: wholeChar(text, clamp(s.start, text.length)), end: wholeChar(text, clamp(s.end, text.length)) }))
    .filter((s) => s.end > s.start);
  if (valid.length === 0) return text === '' ? [] : [{ text, refs: [] }];
  const cuts = [...new Set([0, text.length, ...valid.flatMap((s) => [s.start, s.end])])].sort((a, b) => a - b);
  const segments: Segment[] = [];
  for (let i = 0; i < cuts.length - 1; i++) {
    const [from, to] = [cuts[i], cuts[i + 1]];
    const refs = [...new Set(valid.filter((s) => s.start <= from && s.end >= to).map((s) => s.ref))].sort((a, b) => a - b);
    const last = segments.at(-1);
    if (last && last.refs.join() === refs.join()) last.text += text.slice(from, to);
    else segments.push({ text: text.slice(from, to), refs });
  }
  return segments;
}

function clamp(n: number, max: number): number {
  return Math.max(0, Math.min(Number.isFinite(n) ? Math.trunc(n) : 0, max));
}

function wholeChar(text: string, i: number): number {
  const high = text.charCodeAt(i - 1);
  const low = text.charCodeAt(i);
  return high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff ? i - 1 : i;
}
