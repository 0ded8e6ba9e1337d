// The four dashboard roles (their contract is contracts/accounts.ts) and what a signed-in user looks
// like to the server. Kept free of SvelteKit imports so the CLI (oversight users …) can use them too.

import { ROLES, type Role } from '../../../../contracts/accounts.ts';

export { ROLES, type Role };

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** The user behind a request, as hooks.server.ts puts it on `event.locals.user`. */
export interface SessionUser {
  username: string;
  display_name: string;
  role: Role;
  /** The one ministry a CAIO is responsible for; null for every other role. */
  ministry: string | null;
}
