// Scheduled jobs run once across processes (issue 9): claims in job_claims with a deterministic
// winner (clickhouse/run-once.ts), used by the daily digest. Several `oversight serve` processes are
// played by concurrent claimants with their own names on one real (embedded) ClickHouse.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../../helpers/chdb.ts';
import { claimRun, runOnce } from '../../../clickhouse/run-once.ts';
import { loadAlertConfig } from '../../../alerts/config.ts';
import { DIGEST_JOB, sendDailyDigestOnce } from '../../../alerts/digest.ts';
import { startWebhookReceiver, type WebhookReceiver } from './receivers.ts';

let db: TestDb;
let hook: WebhookReceiver;
beforeAll(async () => {
  db = await freshDb('run-once-');
  hook = await startWebhookReceiver();
});
afterAll(async () => {
  await hook?.close();
  await db?.close();
});

describe('runOnce', () => {
  it('runs a job for one period in exactly one of several concurrent processes, and all agree which', async () => {
    let runs = 0;
    const results = await Promise.all(
      ['serve-b', 'serve-a', 'serve-c', 'serve-d'].map((name) =>
        runOnce(db.client, 'sampling', '2026-12-03', async () => ++runs, { claimant: name, settleMs: 300 }),
      ),
    );
    expect(runs).toBe(1);
    expect(results.filter((r) => r.ran)).toHaveLength(1);
    const winner = results.find((r) => r.ran)!.claimant;
    for (const r of results) if (!r.ran) expect(r.winner).toBe(winner);
  });

  it('does not run again for a process that starts after the period was claimed; a new period runs', async () => {
    const first = await runOnce(db.client, 'reports', '2026-W49', async () => 'sent', { claimant: 'early', settleMs: 0 });
    expect(first).toMatchObject({ ran: true, result: 'sent' });
    // A claimant whose name sorts first still loses: the earlier claim wins, not the smaller name.
    const late = await runOnce(db.client, 'reports', '2026-W49', async () => 'again', { claimant: '0-late', settleMs: 0 });
    expect(late).toEqual({ ran: false, winner: 'early', claimant: '0-late' });
    expect(await runOnce(db.client, 'reports', '2026-W50', async () => 'next', { claimant: '0-late', settleMs: 0 })).toMatchObject({ ran: true });
    // Jobs are independent of each other.
    expect((await claimRun(db.client, 'other-job', '2026-W49', { settleMs: 0 })).won).toBe(true);
  });

  it('sends the daily digest once when several processes wake at the digest hour', async () => {
    const config = { ...loadAlertConfig({}), webhookUrl: hook.url };
    const logs: string[] = [];
    const sends = await Promise.all(
      [1, 2, 3].map((i) => sendDailyDigestOnce(db.client, { date: '2026-11-20', config, log: (l) => logs.push(l), claim: { claimant: `p${i}`, settleMs: 300 } })),
    );
    expect(sends.filter((s) => s.sent)).toHaveLength(1);
    expect(hook.posts).toHaveLength(1);
    expect(logs.filter((l) => l.includes('sent by another process'))).toHaveLength(2);
    const rs = await db.client.query({ query: `SELECT count() AS n FROM job_claims WHERE job = '${DIGEST_JOB}' AND period = '2026-11-20'`, format: 'JSONEachRow' });
    expect(Number((await rs.json<{ n: number }>())[0].n)).toBe(3);
  });
});
