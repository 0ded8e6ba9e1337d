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
import { randomInt } from 'node:crypto';
import type { ClickHouseClient } from '../../../clickhouse/client.ts';
import type { Page } from './pages.ts';

/** Events per lookup: one sealed batch at the default INGEST_BATCH_SIZE. */
export const LOOKUP_BATCH = 20_000;

function lookupPage(kind: 'usage' | 'outputs'): Page {
  return {
    name: `ingest dedup lookup (${LOOKUP_BATCH.toLocaleString('en')} new ${kind === 'usage' ? 'usage events' : 'outputs'})`,
    about: `the ingester's already-stored lookup for one batch of new ${kind} ids against the key table`,
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
    variants: async () => [null],
  };
}

export const INGEST_LOOKUP_PAGES: Page[] = [lookupPage('usage'), lookupPage('outputs')];
