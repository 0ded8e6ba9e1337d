// Not a page: the ingester's "already stored?" lookup (pipelines/dedup.ts storedKeys) for one batch of
// new events, timed next to the pages at each dataset size. The Kafka section ingests into an empty
// store, where the lookup is cheap; what a replay after an outage costs depends on how many ids are
// stored already (about 1.6 M usage events a day at full rollout), so the growth table shows it at
// 1 M, 10 M and 100 M outputs. None of the ids is in the replay range (the id tables' half of the
// lookup only, the steady state).
//
// The generated data's ids are 'e<n>' and 'o<n>'; the new ids here are the same prefix and a random
// number with a suffix no stored id has. Since migration 0187 the key tables are ordered by a hash of
// the id, so these fall all over the table as producers' UUIDs do whatever their text. (With the 0090
// tables, ordered by the id string, random UUIDs would all have sorted before 'e' and 'o' and the
// primary index would have skipped every granule: a lookup that measures nothing.)
//
// Each lookup is timed twice. First as the load left the key tables: several large parts side by side,
// which is also what a store holds right after a backfill. Then a day later, in effect: migration 0190
// merges every run of parts older than a day into one (min_age_to_force_merge_seconds), and a bench
// cannot wait a day, so it lowers that age to one second on this store, waits for the merge and puts
// the day back. That second figure is the steady state of a running store.
import { randomInt } from 'node:crypto';
import type { ClickHouseClient } from '../../../clickhouse/client.ts';
import type { Page, VariantContext } from './pages.ts';
import { mergeAsADayLater } from '../../lib/storage.ts';

/** Events per lookup: one sealed batch at the default INGEST_BATCH_SIZE. */
export const LOOKUP_BATCH = 20_000;

const KEY_TABLE = { usage: 'usage_event_keys', outputs: 'output_keys' } as const;

function lookupPage(kind: 'usage' | 'outputs', dayLater: boolean): Page {
  const what = `${LOOKUP_BATCH.toLocaleString('en')} new ${kind === 'usage' ? 'usage events' : 'outputs'}`;
  return {
    name: `ingest dedup lookup (${what}${dayLater ? ', a day later: parts merged' : ''})`,
    about: `the ingester's already-stored lookup for one batch of new ${kind} ids against the key table${dayLater ? ' once its parts older than a day are merged (migration 0190)' : ' as the load left it'}`,
    load: async () => {
      const d = await import('../../../pipelines/dedup.ts');
      return async (client: ClickHouseClient) => {
        const prefix = kind === 'usage' ? 'e' : 'o';
        const items = Array.from({ length: LOOKUP_BATCH }, () => ({ ok: true as const, key: `${prefix}${randomInt(2 ** 40)}x`, row: {} as never }));
        const found = await d.storedKeys(client, kind, items, () => false);
        if (found.stored.size > 0) throw new Error(`random ids reported as stored: ${found.stored.size}`);
        return { checked: items.length };
      };
    },
    variants: async (ctx: VariantContext) => {
      if (dayLater) await mergeAsADayLater(ctx.client, KEY_TABLE[kind]);
      return [null];
    },
  };
}

export const INGEST_LOOKUP_PAGES: Page[] = [lookupPage('usage', false), lookupPage('outputs', false), lookupPage('usage', true), lookupPage('outputs', true)];
