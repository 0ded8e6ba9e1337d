// A dead letter whose error text quotes the producer's text, as the real parser writes it (issue 9
// item 12): leadership must see neither the original nor the quoted fragment.
import type { ClickHouseClient } from '@clickhouse/client';
import { parseEvent } from '../../../pipelines/rows.ts';
import { toDlqMessage, writeIngestErrors } from '../../../pipelines/dlq.ts';

export const QUOTED_SECRET = '機密の出張先';

export async function seed(client: ClickHouseClient): Promise<void> {
  const message = `{"output_id":"bad-json","prompt": ${QUOTED_SECRET}を教えて}`;
  const result = parseEvent('outputs', message, 1_048_576);
  if (result.ok) throw new Error('the hardening seed expects a rejected message');
  await writeIngestErrors(client, [toDlqMessage({ topic: 'genai.outputs.v1', partition: 1, offset: '4242' }, message, result.reason)]);
}
