import { getClickHouse, queryRows } from '$clickhouse/client.ts';

export async function load() {
  const ch = await getClickHouse();
  const [row] = await queryRows<{ usage: number; outputs: number; feedback: number }>(
    ch,
    `SELECT (SELECT count() FROM usage_events FINAL) AS usage, (SELECT count() FROM outputs FINAL) AS outputs,
            (SELECT count() FROM feedback FINAL) AS feedback`,
  );
  return { counts: row };
}
