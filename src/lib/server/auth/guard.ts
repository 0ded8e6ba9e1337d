// Server-side authorization for every load and action. hooks.server.ts already blocks whole route
// trees (see route-policy.ts); these checks repeat the decision where the data is read, so a new
// page or a moved route cannot leak what the hook did not anticipate.
//
//   requireUser(locals)                   any signed-in user, else 401
//   requireRole(locals, 'admin', ...)     one of the roles, else 403
//   ministryScope(locals)                 null = all ministries, or the CAIO's one ministry code
//   requireMinistry(locals, code)         403 when a CAIO asks for another ministry
//   canSeeRawText(locals, ministry)       prompts / responses / evidence text (never leadership)
//   requireRawText(locals, ministry)      the same, throwing 403
//   canTriage(locals, ministry)           incident queue, detail and triage actions
//   requireLabeling(locals, ministry?)    review samples: label, see their raw text (never leadership)
import { error } from '@sveltejs/kit';
import type { Role, SessionUser } from './roles.ts';

export type { Role, SessionUser } from './roles.ts';
export { ROLES, isRole } from './roles.ts';

/** Anything carrying the signed-in user: `event.locals` in SvelteKit, a plain object in tests. */
export interface HasUser {
  user: SessionUser | null;
}

export function requireUser(locals: HasUser): SessionUser {
  if (!locals.user) error(401, 'Sign in to continue');
  return locals.user;
}

export function requireRole(locals: HasUser, ...roles: Role[]): SessionUser {
  const user = requireUser(locals);
  if (!roles.includes(user.role)) error(403, `This page is for ${roles.join(' / ')} only`);
  return user;
}

/** null: the user may see every ministry; otherwise the single ministry code they are limited to. */
export function ministryScope(locals: HasUser): string | null {
  const user = requireUser(locals);
  return user.role === 'caio' ? user.ministry ?? '' : null;
}

export function canAccessMinistry(locals: HasUser, ministry: string): boolean {
  if (!locals.user) return false;
  const scope = ministryScope(locals);
  return scope === null || scope === ministry;
}

export function requireMinistry(locals: HasUser, ministry: string): SessionUser {
  const user = requireUser(locals);
  if (!canAccessMinistry(locals, ministry)) error(403, 'You can only see your own ministry');
  return user;
}

/** Raw prompts, responses, evidence text and feedback comments. Leadership sees aggregates only. */
export function canSeeRawText(locals: HasUser, ministry: string): boolean {
  const user = locals.user;
  if (!user) return false;
  switch (user.role) {
    case 'admin':
    case 'reviewer':
      return true;
    case 'caio':
      return user.ministry === ministry;
    case 'leadership':
      return false;
  }
}

export function requireRawText(locals: HasUser, ministry: string): SessionUser {
  const user = requireUser(locals);
  if (!canSeeRawText(locals, ministry)) error(403, 'Your role may not see raw text for this ministry');
  return user;
}

/** The incident queue and triage: admin and reviewers everywhere, a CAIO in their own ministry. */
export function canTriage(locals: HasUser, ministry?: string): boolean {
  const user = locals.user;
  if (!user) return false;
  if (user.role === 'admin' || user.role === 'reviewer') return true;
  if (user.role === 'caio') return ministry === undefined || user.ministry === ministry;
  return false;
}

export function requireTriage(locals: HasUser, ministry?: string): SessionUser {
  const user = requireUser(locals);
  if (!canTriage(locals, ministry)) error(403, 'Your role may not triage incidents here');
  return user;
}

/**
 * Review samples (src/routes/review): admin and reviewers label every ministry's items, a CAIO their
 * own ministry's; leadership never (the items show raw text). Without a ministry: may open the queue.
 */
export function requireLabeling(locals: HasUser, ministry?: string): SessionUser {
  const user = requireUser(locals);
  if (user.role === 'leadership') error(403, 'Review samples show raw text; leadership sees the estimates on the evaluator page');
  if (ministry !== undefined && !canSeeRawText(locals, ministry)) error(403, 'You can only label your own ministry\'s samples');
  return user;
}
