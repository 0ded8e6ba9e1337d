// Random and adversarial usage events for the ingestion fuzz tests (fast-check arbitraries), each with
// what the ingester must do with it: store it once ('valid'), drop it as a repeat of an earlier id
// ('repeat', possibly with another day or ministry), or reject it with a reason ('bad'). The bad kinds
// are the classes of issue 9, not fixed sentences: any depth beyond the bound, any lone surrogate, any
// invalid UTF-8, any date outside the store's range, and so on.
import fc from 'fast-check';
import { STORE_MAX_MS, STORE_MIN_MS } from '../../contracts/dates.ts';
import { MINISTRY_CODES } from '../../contracts/ministries.ts';

export type Expected = 'valid' | 'repeat' | 'bad';
export interface FuzzMessage {
  expect: Expected;
  /** The event_id a 'valid' or 'repeat' message carries. */
  id?: string;
  label: string;
  value: Buffer | null;
  /** JSON of the unknown fields that must reach the raw column unchanged (only on 'valid'; '{}' when none). */
  raw?: string;
}

const ministry = fc.constantFrom(...MINISTRY_CODES);
const storeDate = fc.integer({ min: STORE_MIN_MS, max: STORE_MAX_MS }).map((ms) => new Date(ms).toISOString());
// Well-formed text of any script, control characters and quotes included.
const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 });
const PROTO_KEYS = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf'];

function event(tag: string, id: string, over: Record<string, unknown>) {
  return {
    event_id: id,
    occurred_at: '2026-10-01T08:00:00.000Z',
    ministry: 'mof',
    user_id: 'u',
    session_id: 's',
    request_id: 'r',
    app: 'chat',
    model: `m-${tag}`,
    input_tokens: 1,
    output_tokens: 2,
    latency_ms: 3,
    status: 'ok',
    ...over,
  };
}

const validFields = fc.record({
  occurred_at: storeDate,
  ministry,
  user_id: text,
  session_id: text,
  input_tokens: fc.nat(),
  status: fc.constantFrom('ok', 'error', 'refused', 'blocked'),
});
const KNOWN = new Set(Object.keys(event('', '', {})));
const unknownKey = fc.oneof(fc.constantFrom(...PROTO_KEYS), fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !KNOWN.has(k)));
const unknownFields = fc.option(fc.dictionary(unknownKey, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }), { nil: undefined });

/** How to spoil an otherwise valid event; each result must be rejected. */
const spoilers: fc.Arbitrary<{ label: string; spoil: (json: string) => Buffer | null }>[] = [
  fc.integer({ min: 33, max: 6000 }).map((depth) => ({
    label: `deep ${depth}`,
    spoil: (j) => Buffer.from(j.replace(/}$/, () => `,"x":${'['.repeat(depth)}${']'.repeat(depth)}}`)),
  })),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((cp) => ({
    label: `lone surrogate ${cp.toString(16)}`,
    spoil: (j) => Buffer.from(j.replace('"status"', () => `"note":"a\\u${cp.toString(16)}b","status"`)),
  })),
  fc.uint8Array({ minLength: 0, maxLength: 4 }).map((bytes) => ({
    label: 'invalid utf-8',
    // 0xFF never occurs in UTF-8; the random bytes after it (no newline, quote or backslash) vary the rest.
    spoil: (j) => {
      const at = j.indexOf('"status"');
      const tail = bytes.map((b) => (b === 0x0a || b === 0x22 || b === 0x5c ? 0x41 : b));
      return Buffer.concat([Buffer.from(`${j.slice(0, at)}"note":"`), Buffer.from([0xff, ...tail]), Buffer.from(`",${j.slice(at)}`)]);
    },
  })),
  fc.oneof(fc.integer({ min: Date.UTC(1900, 0, 1), max: STORE_MIN_MS - 1 }), fc.integer({ min: STORE_MAX_MS + 1, max: Date.UTC(2299, 11, 31, 23, 59, 59) })).map((ms) => ({
    label: `date ${new Date(ms).toISOString()}`,
    spoil: (j) => Buffer.from(j.replace(/"occurred_at":"[^"]*"/, () => `"occurred_at":"${new Date(ms).toISOString()}"`)),
  })),
  fc.constantFrom('"351"', '-1', '1.5', 'null', '4294967296', '1e400').map((v) => ({
    label: `input_tokens ${v}`,
    spoil: (j) => Buffer.from(j.replace(/"input_tokens":\d+/, () => `"input_tokens":${v}`)),
  })),
  fc.integer({ min: 1, max: 60 }).map((cut) => ({ label: `truncated by ${cut}`, spoil: (j) => Buffer.from(j.slice(0, -cut)) })),
  fc.string({ minLength: 201, maxLength: 400 }).map((long) => ({ label: 'id too long', spoil: (j) => Buffer.from(j.replace(/"event_id":"[^"]*"/, () => `"event_id":${JSON.stringify(long)}`)) })),
  fc.constantFrom('xx', 'MOF', 'constructor', '').map((m) => ({ label: `ministry ${m}`, spoil: (j) => Buffer.from(j.replace(/"ministry":"[^"]*"/, () => `"ministry":"${m}"`)) })),
  fc.constant({ label: 'oversized', spoil: (j: string) => Buffer.from(j.replace(/}$/, () => `,"pad":"${'p'.repeat(OVERSIZE)}"}`)) }),
  fc.jsonValue({ maxDepth: 3 })
    .filter((v) => v === null || typeof v !== 'object' || Array.isArray(v))
    .map((v) => ({ label: 'not an object', spoil: () => Buffer.from(JSON.stringify(v) ?? 'null') })),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((a) => ({
    label: 'random bytes',
    // Prefixed with "#", so never blank and never JSON; no newline, so it stays one line of a file.
    spoil: () => Buffer.concat([Buffer.from('#'), Buffer.from(a.map((b) => (b === 0x0a ? 0x20 : b)))]),
  })),
];

/** Bytes beyond INGEST_MAX_MESSAGE_BYTES of the fuzz tests. */
export const OVERSIZE = 24_000;
export const FUZZ_MAX_MESSAGE_BYTES = 20_000;

type Step = { t: 'valid'; fields: Record<string, unknown>; unknown?: Record<string, unknown> } | { t: 'repeat'; pick: number; ministry: string; occurred_at: string } | { t: 'bad'; spoiler: { label: string; spoil: (j: string) => Buffer | null } } | { t: 'tombstone' };

const step = (allowTombstones: boolean): fc.Arbitrary<Step> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ t: fc.constant('valid' as const), fields: validFields, unknown: unknownFields }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('repeat' as const), pick: fc.nat(), ministry, occurred_at: storeDate }) },
    { weight: 4, arbitrary: fc.oneof(...spoilers).map((spoiler) => ({ t: 'bad' as const, spoiler })) },
    { weight: allowTombstones ? 1 : 0, arbitrary: fc.constant({ t: 'tombstone' as const }) },
  );

/**
 * A sequence of messages for run `tag`, ending with a valid event (so "a valid event after any bad
 * one is stored" is checked every run). Tombstones (null values) only where the source has them (Kafka).
 */
export function messages(tag: string, opts: { tombstones: boolean; maxLength?: number }): fc.Arbitrary<FuzzMessage[]> {
  return fc.array(step(opts.tombstones), { minLength: 1, maxLength: opts.maxLength ?? 40 }).chain((steps) =>
    fc.record({ last: validFields }).map(({ last }) => {
      const out: FuzzMessage[] = [];
      const ids: string[] = [];
      const all: Step[] = [...steps, { t: 'valid', fields: last }];
      all.forEach((s, i) => {
        if (s.t === 'valid') {
          const id = `${tag}-${i}`;
          ids.push(id);
          const ev: Record<string, unknown> = event(tag, id, s.fields);
          const extra = s.unknown && Object.keys(s.unknown).length ? JSON.stringify(s.unknown) : '{}';
          const json = extra === '{}' ? JSON.stringify(ev) : JSON.stringify(ev).replace(/}$/, () => `,${extra.slice(1)}`);
          // What the raw column must hold: the unknown fields as JSON.parse reads them, in their order.
          out.push({ expect: 'valid', id, label: 'valid', value: Buffer.from(json), raw: extra === '{}' ? '{}' : JSON.stringify(JSON.parse(extra)) });
        } else if (s.t === 'repeat' && ids.length) {
          const id = ids[s.pick % ids.length];
          out.push({ expect: 'repeat', id, label: 'repeat', value: Buffer.from(JSON.stringify(event(tag, id, { ministry: s.ministry, occurred_at: s.occurred_at }))) });
        } else if (s.t === 'bad') {
          out.push({ expect: 'bad', label: s.spoiler.label, value: s.spoiler.spoil(JSON.stringify(event(tag, `${tag}-bad-${i}`, {}))) });
        } else if (s.t === 'tombstone') {
          out.push({ expect: 'bad', label: 'tombstone', value: null });
        }
      });
      return out;
    }),
  );
}
