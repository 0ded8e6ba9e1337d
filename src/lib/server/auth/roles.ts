// The four dashboard roles and what a signed-in user looks like to the server. Kept free of
// SvelteKit imports so the CLI (oversight users …) can use the same definitions.

export const ROLES = ['admin', 'reviewer', 'leadership', 'caio'] as const;
export type Role = (typeof ROLES)[number];

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
