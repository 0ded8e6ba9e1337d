// Accounts and sessions on a real embedded ClickHouse (chDB).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, type ClickHouseClient } from '../../../clickhouse/client.ts';
import {
  AccountError,
  createUser,
  disableUser,
  ensureDemoUsers,
  getUser,
  listUsers,
  updateUser,
  verifyPassword,
} from '../../../src/lib/server/auth/accounts.ts';
import { createSession, hashToken, lookupSession, revokeSession } from '../../../src/lib/server/auth/sessions.ts';
import { freshDatabase } from './db-helper.ts';

let db: Awaited<ReturnType<typeof freshDatabase>>;
let client: ClickHouseClient;
beforeAll(async () => {
  db = await freshDatabase('oversight-accounts');
  client = db.client;
});
afterAll(async () => {
  await db?.close();
});

describe('accounts', () => {
  it('creates a user with a hashed password and verifies it', async () => {
    const u = await createUser(client, { username: 'alice', role: 'reviewer', password: 'alice-password-1' });
    expect(u).toMatchObject({ username: 'alice', role: 'reviewer', ministry: '', disabled: false, has_password: true });
    const [stored] = await queryRows<{ password_hash: string }>(client, `SELECT password_hash FROM users FINAL WHERE username = 'alice'`);
    expect(stored.password_hash).toMatch(/^scrypt\$/);
    expect(stored.password_hash).not.toContain('alice-password-1');
    expect(await verifyPassword(client, 'alice', 'alice-password-1')).toEqual({ username: 'alice', display_name: 'alice', role: 'reviewer', ministry: null });
    expect(await verifyPassword(client, 'alice', 'wrong-password')).toBeNull();
    expect(await verifyPassword(client, 'nobody', 'alice-password-1')).toBeNull();
  });

  it('refuses bad input with a clear message', async () => {
    await expect(createUser(client, { username: 'alice', role: 'reviewer', password: 'another-pass-1' })).rejects.toThrow(/already exists/);
    await expect(createUser(client, { username: 'bob', role: 'king', password: 'bob-password-1' })).rejects.toThrow(/unknown role "king"/);
    await expect(createUser(client, { username: 'bob', role: 'caio', password: 'bob-password-1' })).rejects.toThrow(/needs a ministry/);
    await expect(createUser(client, { username: 'bob', role: 'caio', ministry: 'xyz', password: 'bob-password-1' })).rejects.toThrow(/unknown ministry code "xyz"/);
    await expect(createUser(client, { username: 'bob', role: 'reviewer', password: 'short' })).rejects.toThrow(AccountError);
    await expect(createUser(client, { username: 'b o b', role: 'reviewer', password: 'bob-password-1' })).rejects.toThrow(/username/);
    expect(await getUser(client, 'bob')).toBeUndefined();
  });

  it('keeps only the newest version of an account, even for changes within one millisecond', async () => {
    await createUser(client, { username: 'carol', role: 'caio', ministry: 'mof', password: 'carol-password-1' });
    await updateUser(client, 'carol', { ministry: 'mhlw' });
    await updateUser(client, 'carol', { display_name: 'Carol K' });
    const carol = await getUser(client, 'carol');
    expect(carol).toMatchObject({ role: 'caio', ministry: 'mhlw', display_name: 'Carol K' });
    // A role without a ministry drops the CAIO's ministry.
    expect(await updateUser(client, 'carol', { role: 'leadership' })).toMatchObject({ role: 'leadership', ministry: '' });
  });

  it('a disabled account cannot sign in and loses its sessions', async () => {
    await createUser(client, { username: 'dave', role: 'reviewer', password: 'dave-password-1' });
    const s = await createSession(client, 'dave');
    expect((await lookupSession(client, s.token))?.user.username).toBe('dave');
    await disableUser(client, 'dave');
    expect(await lookupSession(client, s.token)).toBeNull();
    expect(await verifyPassword(client, 'dave', 'dave-password-1')).toBeNull();
  });

  it('a new password ends the old sessions', async () => {
    const s = await createSession(client, 'alice');
    await updateUser(client, 'alice', { password: 'alice-password-2' });
    expect(await lookupSession(client, s.token)).toBeNull();
    expect(await verifyPassword(client, 'alice', 'alice-password-2')).not.toBeNull();
  });

  it('ensureDemoUsers makes one account per role and can run again', async () => {
    const first = await ensureDemoUsers(client);
    const again = await ensureDemoUsers(client);
    expect(again).toEqual(first);
    expect(first.map((u) => [u.role, u.ministry])).toEqual([
      ['admin', null],
      ['reviewer', null],
      ['leadership', null],
      ['caio', 'mof'],
      ['caio', 'mhlw'],
    ]);
    for (const u of first) expect((await verifyPassword(client, u.username, u.password))?.role).toBe(u.role);
    expect((await listUsers(client)).filter((u) => u.username.startsWith('caio-')).map((u) => u.ministry)).toEqual(['mhlw', 'mof']);
  });
});

describe('sessions', () => {
  it('stores only the hash of the token, with a CSRF token', async () => {
    const s = await createSession(client, 'admin');
    const rows = await queryRows<{ session_hash: string; csrf_token: string }>(client, `SELECT session_hash, csrf_token FROM sessions FINAL WHERE username = 'admin'`);
    expect(rows.map((r) => r.session_hash)).toContain(hashToken(s.token));
    expect(JSON.stringify(rows)).not.toContain(s.token);
    const active = await lookupSession(client, s.token);
    expect(active?.session.csrfToken).toBe(s.csrfToken);
    expect(active?.user).toEqual({ username: 'admin', display_name: 'Demo admin', role: 'admin', ministry: null });
  });

  it('an expired, revoked or unknown token is no session', async () => {
    const old = await createSession(client, 'admin', new Date(Date.now() - 13 * 3_600_000));
    expect(await lookupSession(client, old.token)).toBeNull();
    const s = await createSession(client, 'admin');
    await revokeSession(client, s.hash);
    expect(await lookupSession(client, s.token)).toBeNull();
    expect(await lookupSession(client, 'made-up-token')).toBeNull();
    expect(await lookupSession(client, '')).toBeNull();
  });

  it('a CAIO session carries the ministry', async () => {
    const s = await createSession(client, 'caio-mof');
    expect((await lookupSession(client, s.token))?.user).toMatchObject({ role: 'caio', ministry: 'mof' });
  });
});
