// The shortcuts the ingester takes per event (issue 15: less JavaScript per event) must answer exactly
// what the full checks answer: unknownFields is splitUnknown's unknown half, the depth pre-count
// never hides a deep message, and the \u pre-test never hides an escaped lone surrogate.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { unknownFields, UsageEvent, OutputEvent } from '../../../contracts/events.ts';
import { splitUnknown } from '../../helpers/split-unknown.ts';
import { illFormedStringPath, jsonDeeperThan, MAX_JSON_DEPTH } from '../../../pipelines/input-bounds.ts';
import { parseEvent, type OutputRow } from '../../../pipelines/rows.ts';
import { insertCompact } from '../../../pipelines/ingest.ts';
import { queryRows } from '../../../clickhouse/client.ts';
import { freshDb, type TestDb } from '../../helpers/chdb.ts';
import { line, usage } from '../../integration/helpers/events.ts';

const MAX = 1_048_576;
let db: TestDb | undefined;
afterAll(async () => db?.close());

describe('unknownFields', () => {
  it('is null for an event with only known fields, and equals splitUnknown otherwise (keys and order)', () => {
    const known = JSON.parse(line(usage(1, 'k')));
    expect(unknownFields(UsageEvent, known)).toBeNull();
    const keys = fc.constantFrom('event_id', 'model', 'tenant', 'constructor', 'toString', '__proto__', 'hasOwnProperty', '0', 'prompt', 'sources');
    fc.assert(
      fc.property(fc.array(fc.tuple(keys, fc.jsonValue({ maxDepth: 2 })), { maxLength: 8 }), fc.constantFrom(UsageEvent, OutputEvent), (pairs, schema) => {
        // JSON.parse makes every key an own property, "__proto__" included, as the ingester sees them.
        const text = `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
        const event = JSON.parse(text) as Record<string, unknown>;
        const { unknown } = splitUnknown(schema, event);
        const fast = unknownFields(schema, event);
        if (Object.keys(unknown).length === 0) expect(fast).toBeNull();
        else {
          expect(Object.getPrototypeOf(fast)).toBeNull();
          expect(Object.keys(fast!)).toEqual(Object.keys(unknown));
          expect(JSON.stringify(fast)).toBe(JSON.stringify(unknown));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('ignores inherited properties and keeps an own "__proto__" field as data', () => {
    const event = Object.create({ inherited: 1 }) as Record<string, unknown>;
    event.event_id = 'e';
    Object.defineProperty(event, '__proto__', { value: { x: 1 }, enumerable: true, writable: true, configurable: true });
    const fast = unknownFields(UsageEvent, event)!;
    expect(Object.keys(fast)).toEqual(['__proto__']);
    expect(JSON.stringify(fast)).toBe('{"__proto__":{"x":1}}');
    const r = parseEvent('usage', line(usage(1, 'p')).replace(/}$/, ',"__proto__":{"x":1},"b":2}'), MAX);
    expect(r.ok && r.row.raw).toBe('{"__proto__":{"x":1},"b":2}');
  });
});

describe('jsonDeeperThan pre-count', () => {
  it('still scans when brackets in strings outnumber the limit, and counts only structure', () => {
    const manyInStrings = JSON.stringify({ a: '{'.repeat(100), b: '['.repeat(100), c: [[{ d: 1 }]] });
    expect(jsonDeeperThan(manyInStrings, 4)).toBe(false);
    expect(jsonDeeperThan(manyInStrings, 3)).toBe(true);
  });

  it('answers at the bound whatever the mix of objects and arrays', () => {
    const mixed = (depth: number) => Array.from({ length: depth }, (_, i) => (i % 2 ? '[' : '{"k":')).join('') + '1' + Array.from({ length: depth }, (_, i) => (i % 2 ? ']' : '}')).reverse().join('');
    for (const d of [MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1]) {
      JSON.parse(mixed(d));
      expect(jsonDeeperThan(mixed(d)), `depth ${d}`).toBe(d > MAX_JSON_DEPTH);
    }
    // Many siblings, shallow: more brackets than the bound, no deeper than 2.
    expect(jsonDeeperThan(JSON.stringify({ xs: Array.from({ length: 100 }, (_, i) => ({ i })) }))).toBe(false);
  });
});

describe('illFormedStringPath \\u pre-test', () => {
  it('skips text whose escapes are not surrogates, and finds an escaped lone surrogate however it is spelled', () => {
    const escaped = '{"a":"caf\\u00e9 \\u0041","b":"\\\\ud800 is text, not an escape"}';
    expect(illFormedStringPath(JSON.parse(escaped), escaped)).toBeNull();
    for (const lone of ['\\ud800', '\\uDBFF', '\\udc00', '\\uDfFf']) {
      const text = `{"a":"ok","b":["x","lone ${lone}"]}`;
      expect(text.isWellFormed()).toBe(true);
      expect(illFormedStringPath(JSON.parse(text), text), lone).toBe('b[1]');
    }
  });
});

describe('insertCompact: the whole batch in one JSON.stringify, rows separated by commas', () => {
  it('stores every row and every string exactly, whatever brackets, quotes, commas, escapes or newlines they hold', async () => {
    db = await freshDb();
    const tricky = ['[', ']', '],[', 'say "]," then \\', 'line\nbreak\ttab', '日本語 [注] 😀', '{"a":[1,2]}', ''];
    const rows = Array.from({ length: 500 }, (_, i) => {
      const r = parseEvent('outputs', line({ output_id: `o${i}`, request_id: `r${i}`, occurred_at: '2026-10-01T09:00:00.000Z', ministry: 'mof', app: 'chat', model: 'm', user_id: 'u', language: 'ja', confidentiality_level: 1, prompt: tricky[i % tricky.length], response: tricky[(i + 3) % tricky.length], sources: [{ id: 's', title: tricky[(i + 5) % tricky.length] }] }), MAX);
      if (!r.ok) throw new Error(r.reason);
      return { ...(r.row as OutputRow), src_topic: 't', src_partition: 0, src_offset: i };
    });
    await insertCompact(db.client, 'outputs', rows);
    const stored = await queryRows<{ output_id: string; prompt: string; response: string; sources: string }>(db.client, 'SELECT output_id, prompt, response, sources FROM outputs ORDER BY toUInt32(substring(output_id, 2))');
    expect(stored).toEqual(rows.map((r) => ({ output_id: r.output_id, prompt: r.prompt, response: r.response, sources: r.sources })));
  });
});
