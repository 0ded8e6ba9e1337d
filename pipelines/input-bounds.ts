// The bounds every producer message is checked against before it is parsed or stored (rows.ts applies
// them in this order). Each check is linear in the message size and allocates nothing per character,
// so a hostile message costs no more than a large valid one:
//   size      INGEST_MAX_MESSAGE_BYTES (config), before anything else;
//   encoding  strict UTF-8 (fatal decode): Shift_JIS or stray 0xFF bytes are rejected with their bytes
//             kept in the DLQ, never stored as U+FFFD;
//   depth     at most MAX_JSON_DEPTH nested objects/arrays, counted on the text before JSON.parse, so a
//             5,000-deep field cannot overflow the stack of JSON.parse, zod or JSON.stringify;
//   strings   every string and key well-formed UTF-16 (no lone surrogate such as "\ud800", which
//             ClickHouse refuses for the whole insert);
//   dates     inside contracts/dates.ts (checked in rows.ts); ids and text lengths in contracts/events.ts.

/** Deepest nesting of objects and arrays accepted in one event (the contracts need 3: event → sources → source). */
export const MAX_JSON_DEPTH = 32;

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of `bytes` when they are valid UTF-8, else null. */
export function decodeUtf8Strict(bytes: Uint8Array): string | null {
  try {
    return decoder.decode(bytes);
  } catch {
    return null;
  }
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * True when the JSON text nests objects/arrays deeper than `max`. Brackets inside strings do not count.
 * Malformed text is not judged here (JSON.parse rejects it afterwards); the scan only has to be right
 * for text JSON.parse would accept.
 */
export function jsonDeeperThan(text: string, max: number = MAX_JSON_DEPTH): boolean {
  // Nesting deeper than `max` needs more than `max` opening brackets somewhere in the text (strings
  // included): when there are not that many, two indexOf scans answer without the loop below.
  if (count(text, '{', max) + count(text, '[', max) <= max) return false;
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Jump over the string with indexOf (most of an event's characters are in strings): its end is
      // the next quote not escaped by an odd run of backslashes.
      let end = text.indexOf('"', i + 1);
      while (end !== -1) {
        let slashes = 0;
        for (let k = end - 1; text.charCodeAt(k) === BACKSLASH; k--) slashes++;
        if (slashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end === -1) return false; // unterminated: JSON.parse rejects it
      i = end;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return false;
}

/** Occurrences of `ch` in `text`, counting stops past `limit`. */
function count(text: string, ch: string, limit: number): number {
  let n = 0;
  for (let i = text.indexOf(ch); i !== -1 && n <= limit; i = text.indexOf(ch, i + 1)) n++;
  return n;
}

// A \uD800-\uDFFF escape in JSON text: the only way a lone surrogate can enter a parsed value when the
// text itself is well-formed (strict UTF-8 decoding never yields one).
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * The path of the first string or key of a parsed JSON value that is not well-formed UTF-16 (a lone
 * surrogate), or null when there is none. `text` is the JSON the value was parsed from: when it is
 * well-formed and holds no surrogate escape, the walk is skipped.
 */
export function illFormedStringPath(value: unknown, text: string): string | null {
  // Most events hold no \u escape at all: one indexOf spares them the regex scan.
  if (text.isWellFormed() && (!text.includes('\\u') || !SURROGATE_ESCAPE.test(text))) return null;
  return walk(value, '');
}

function walk(value: unknown, path: string): string | null {
  if (typeof value === 'string') return value.isWellFormed() ? null : path || '(event)';
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = walk(value[i], `${path}[${i}]`);
      if (p) return p;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const here = path ? `${path}.${k}` : k;
      if (!k.isWellFormed()) return here.toWellFormed();
      const p = walk(v, here);
      if (p) return p;
    }
  }
  return null;
}
