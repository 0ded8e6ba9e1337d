// Error texts of rejected messages quote what the producer sent: a JSON parse error shows the text
// around the error point, a schema error the offending value (`unknown ministry code "…"`). Roles that
// may not read raw text get an error rebuilt only from parts that cannot carry producer text, taken
// from an allow-list rather than scrubbed from the message: the reason category our own code wrote at
// the start, the names of known event fields, and the position of a parse error. Everything else is
// dropped, whatever the message looked like, so a new message format cannot leak either.
import { FeedbackEvent, OutputEvent, Source, UsageEvent } from '../../../contracts/events.ts';

const KNOWN_FIELDS = new Set([UsageEvent, OutputEvent, FeedbackEvent, Source].flatMap((s) => Object.keys(s.shape)));

const CATEGORY = /^([a-z][a-z0-9_]{0,39}):/;

/** A field path such as `sources.0.url`: a known field name, then known names or indexes. */
function knownPath(path: string): string | null {
  const parts = path.trim().split('.');
  return KNOWN_FIELDS.has(parts[0]) && parts.every((p) => KNOWN_FIELDS.has(p) || /^\d{1,6}$/.test(p)) ? parts.join('.') : null;
}

/** `schema (occurred_at, sources.0.url)`, `invalid_json (position 17)`, `oversized`, or `other`. */
export function rawFreeError(error: string): string {
  const category = CATEGORY.exec(error)?.[1] ?? 'other';
  const detail: string[] = [];
  const rest = error.slice(category.length + 1);
  const fields = new Set<string>();
  for (const part of rest.split(';')) {
    const colon = part.indexOf(':');
    const path = colon > 0 ? knownPath(part.slice(0, colon)) : null;
    if (path) fields.add(path);
  }
  detail.push(...fields);
  const position = /\bposition (\d{1,10})\b/.exec(rest)?.[1];
  if (position) detail.push(`position ${position}`);
  const lineColumn = /\bline (\d{1,10}) column (\d{1,10})\b/.exec(rest);
  if (lineColumn) detail.push(`line ${lineColumn[1]} column ${lineColumn[2]}`);
  return detail.length ? `${category} (${detail.join(', ')})` : category;
}
