import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad, RequestEvent } from './$types';
import { getClickHouse } from '$clickhouse/client.ts';
import { requireRole } from '$lib/server/auth/guard.ts';
import { AccountError, createUser, listUsers, updateUser } from '$lib/server/auth/accounts.ts';
import { changeUserRole } from '$lib/server/auth/role-change.ts';
import { actorOf, writeAudit } from '$lib/server/audit.ts';
import { MINISTRIES } from '$contracts/ministries.ts';

export const load: PageServerLoad = async ({ locals }) => {
  requireRole(locals, 'admin');
  const users = await listUsers(await getClickHouse());
  return { users, ministries: MINISTRIES.map((m) => ({ code: m.code, name_ja: m.name_ja, name_en: m.name_en })) };
};

/** Runs an account change as admin, records it, and turns AccountError into a form message. */
async function asAdmin(event: RequestEvent, work: (form: FormData) => Promise<{ action: 'user_create' | 'user_update' | 'user_disable'; target: string; ministry: string; detail: Record<string, unknown>; message: string }>) {
  requireRole(event.locals, 'admin');
  const form = await event.request.formData();
  try {
    const done = await work(form);
    await writeAudit(await getClickHouse(), actorOf(event), done);
    return { message: done.message };
  } catch (err) {
    if (err instanceof AccountError) return fail(400, { error: err.message });
    throw err;
  }
}

const str = (form: FormData, key: string) => String(form.get(key) ?? '').trim();

export const actions: Actions = {
  create: (event) =>
    asAdmin(event, async (form) => {
      const password = String(form.get('password') ?? '');
      const user = await createUser(await getClickHouse(), {
        username: str(form, 'username'),
        display_name: str(form, 'display_name'),
        role: str(form, 'role'),
        ministry: str(form, 'ministry') || null,
        password: password === '' ? undefined : password,
      });
      return {
        action: 'user_create',
        target: user.username,
        ministry: user.ministry,
        detail: { role: user.role, sso_only: !user.has_password },
        message: `created ${user.username}`,
      };
    }),
  disable: (event) =>
    asAdmin(event, async (form) => {
      const username = str(form, 'username');
      if (username === event.locals.user?.username) throw new AccountError('you cannot disable your own account');
      const user = await updateUser(await getClickHouse(), username, { disabled: true });
      return { action: 'user_disable', target: username, ministry: user.ministry, detail: {}, message: `disabled ${username}` };
    }),
  enable: (event) =>
    asAdmin(event, async (form) => {
      const username = str(form, 'username');
      const user = await updateUser(await getClickHouse(), username, { disabled: false });
      return { action: 'user_update', target: username, ministry: user.ministry, detail: { enabled: true }, message: `enabled ${username}` };
    }),
  /** Role and ministry of one account (the inline form of each row); audited inside changeUserRole. */
  update: async (event) => {
    requireRole(event.locals, 'admin');
    const form = await event.request.formData();
    const username = str(form, 'username');
    try {
      const r = await changeUserRole(await getClickHouse(), actorOf(event), { username, role: str(form, 'role'), ministry: str(form, 'ministry') });
      return { roleChange: { username, from: r.from, to: r.to, changed: r.changed, sessionsEnded: r.sessionsEnded } };
    } catch (err) {
      if (err instanceof AccountError) return fail(400, { error: `${username}: ${err.message}` });
      throw err;
    }
  },
  password: (event) =>
    asAdmin(event, async (form) => {
      const username = str(form, 'username');
      const user = await updateUser(await getClickHouse(), username, { password: String(form.get('password') ?? '') });
      return { action: 'user_update', target: username, ministry: user.ministry, detail: { password_reset: true }, message: `new password set for ${username}` };
    }),
};
