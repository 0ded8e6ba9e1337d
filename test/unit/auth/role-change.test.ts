// An admin's change of a user's role and ministry, on a real embedded ClickHouse (chDB): validation
// against the shared contract, the last-admin guard, sessions ended at once, old → new in the audit log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, type ClickHouseClient } from '../../../clickhouse/client.ts';
import { RoleChange } from '../../../contracts/accounts.ts';
import { AccountError, createUser, getUser, updateUser } from '../../../src/lib/server/auth/accounts.ts';
import { changeUserRole } from '../../../src/lib/server/auth/role-change.ts';
import { createSession, lookupSession } from '../../../src/lib/server/auth/sessions.ts';
import { freshDatabase } from './db-helper.ts';

let db: Awaited<ReturnType<typeof freshDatabase>>;
let client: ClickHouseClient;
const who = { actor: 'boss', role: 'admin', ip: '10.0.0.9', user_agent: 'vitest' };

beforeAll(async () => {
  db = await freshDatabase('oversight-role-change');
  client = db.client;
  await createUser(client, { username: 'boss', role: 'admin', password: 'boss-password-1' });
  await createUser(client, { username: 'rita', role: 'reviewer', password: 'rita-password-1' });
});
afterAll(async () => {
  await db?.close();
});

async function auditFor(target: string) {
  const rows = await queryRows<{ actor: string; action: string; ministry: string; detail: string }>(
    client,
    `SELECT actor, action, ministry, detail FROM audit_log WHERE target = {target:String} ORDER BY at`,
    { target },
  );
  return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) }));
}

describe('the RoleChange contract', () => {
  it('asks a CAIO for one known ministry and every other role for none', () => {
    expect(RoleChange.parse({ username: ' rita ', role: 'caio', ministry: ' mof ' })).toEqual({ username: 'rita', role: 'caio', ministry: 'mof' });
    expect(RoleChange.parse({ username: 'rita', role: 'leadership' })).toEqual({ username: 'rita', role: 'leadership', ministry: '' });
    const message = (input: unknown) => RoleChange.safeParse(input).error?.issues.map((i) => i.message).join('; ');
    expect(message({ username: 'rita', role: 'caio', ministry: '' })).toMatch(/needs a ministry/);
    expect(message({ username: 'rita', role: 'caio', ministry: 'xyz' })).toBe('unknown ministry code "xyz"');
    expect(message({ username: 'rita', role: 'reviewer', ministry: 'mof' })).toMatch(/only a CAIO has a ministry/);
    expect(message({ username: 'rita', role: 'king' })).toMatch(/unknown role "king"/);
    expect(message({ username: '', role: 'admin' })).toMatch(/username is empty/);
  });
});

describe('changeUserRole', () => {
  it('makes a reviewer a CAIO of one ministry: old sessions end, the audit log says old → new', async () => {
    const before = await createSession(client, 'rita');
    expect((await lookupSession(client, before.token))?.user).toMatchObject({ role: 'reviewer', ministry: null });

    const r = await changeUserRole(client, who, { username: 'rita', role: 'caio', ministry: 'mhlw' });
    expect(r).toMatchObject({ changed: true, from: { role: 'reviewer', ministry: '' }, to: { role: 'caio', ministry: 'mhlw' }, sessionsEnded: 1 });
    expect(await getUser(client, 'rita')).toMatchObject({ role: 'caio', ministry: 'mhlw' });
    expect(await lookupSession(client, before.token)).toBeNull();
    const after = await createSession(client, 'rita');
    expect((await lookupSession(client, after.token))?.user).toMatchObject({ role: 'caio', ministry: 'mhlw' });

    expect(await auditFor('rita')).toEqual([
      {
        actor: 'boss',
        action: 'user_update',
        ministry: 'mhlw',
        detail: { change: 'role', from: { role: 'reviewer', ministry: '' }, to: { role: 'caio', ministry: 'mhlw' }, sessions_ended: 1 },
      },
    ]);

    // Back to reviewer: the ministry goes, and so does the CAIO's session.
    const back = await changeUserRole(client, who, { username: 'rita', role: 'reviewer', ministry: '' });
    expect(back).toMatchObject({ from: { role: 'caio', ministry: 'mhlw' }, to: { role: 'reviewer', ministry: '' }, sessionsEnded: 1 });
    expect(await lookupSession(client, after.token)).toBeNull();
    expect((await auditFor('rita')).at(-1)?.ministry).toBe('mhlw');
  });

  it('refuses invalid input and unknown users with a clear message, writing nothing', async () => {
    const cases: [unknown, RegExp][] = [
      [{ username: 'rita', role: 'caio', ministry: '' }, /needs a ministry/],
      [{ username: 'rita', role: 'caio', ministry: 'xyz' }, /unknown ministry code "xyz"/],
      [{ username: 'rita', role: 'leadership', ministry: 'mof' }, /only a CAIO/],
      [{ username: 'rita', role: 'root' }, /unknown role "root"/],
      [{ username: 'nobody', role: 'reviewer' }, /no user "nobody"/],
      ['rita', /expected object|invalid/i],
    ];
    const audits = (await auditFor('rita')).length;
    for (const [input, message] of cases) {
      const err = await changeUserRole(client, who, input).catch((e) => e);
      expect(err, JSON.stringify(input)).toBeInstanceOf(AccountError);
      expect(err.message).toMatch(message);
    }
    expect(await getUser(client, 'rita')).toMatchObject({ role: 'reviewer', ministry: '' });
    expect(await auditFor('rita')).toHaveLength(audits);
  });

  it('the same role and ministry again is no change: nothing written, sessions kept', async () => {
    const s = await createSession(client, 'rita');
    const audits = (await auditFor('rita')).length;
    const r = await changeUserRole(client, who, { username: 'rita', role: 'reviewer' });
    expect(r).toMatchObject({ changed: false, sessionsEnded: 0 });
    expect(await lookupSession(client, s.token)).not.toBeNull();
    expect(await auditFor('rita')).toHaveLength(audits);
  });

  it('never demotes the last enabled admin (a disabled admin does not count)', async () => {
    await expect(changeUserRole(client, who, { username: 'boss', role: 'reviewer' })).rejects.toThrow(/boss is the last enabled admin/);
    await createUser(client, { username: 'old-admin', role: 'admin', password: 'old-admin-pass-1' });
    await updateUser(client, 'old-admin', { disabled: true });
    await expect(changeUserRole(client, who, { username: 'boss', role: 'leadership' })).rejects.toThrow(/last enabled admin/);
    expect((await getUser(client, 'boss'))?.role).toBe('admin');
    expect(await auditFor('boss')).toEqual([]);
    // Demoting the disabled admin is fine: it was not keeping anyone in charge.
    await changeUserRole(client, who, { username: 'old-admin', role: 'reviewer' });

    await createUser(client, { username: 'ada', role: 'admin', password: 'ada-password-12' });
    const r = await changeUserRole(client, who, { username: 'boss', role: 'caio', ministry: 'da' });
    expect(r.to).toEqual({ role: 'caio', ministry: 'da' });
    await expect(changeUserRole(client, who, { username: 'ada', role: 'reviewer' })).rejects.toThrow(/ada is the last enabled admin/);
  });

  it('two admins demoting each other at the same moment: exactly one succeeds', async () => {
    await createUser(client, { username: 'bea', role: 'admin', password: 'bea-password-12' });
    // ada and bea are now the only enabled admins.
    const results = await Promise.allSettled([
      changeUserRole(client, { ...who, actor: 'ada' }, { username: 'bea', role: 'reviewer' }),
      changeUserRole(client, { ...who, actor: 'bea' }, { username: 'ada', role: 'reviewer' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason.message).toMatch(/last enabled admin/);
    const admins = [await getUser(client, 'ada'), await getUser(client, 'bea')].filter((u) => u?.role === 'admin');
    expect(admins).toHaveLength(1);
  });
});
