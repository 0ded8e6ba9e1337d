import { describe, expect, it } from 'vitest';
import { isHttpError } from '@sveltejs/kit';
import {
  canSeeRawText,
  canTriage,
  ministryScope,
  requireMinistry,
  requireRawText,
  requireRole,
  requireUser,
  type SessionUser,
} from '../../../src/lib/server/auth/guard.ts';
import { routeDecision } from '../../../src/lib/server/auth/route-policy.ts';

const as = (role: SessionUser['role'], ministry: string | null = null) => ({
  user: { username: role, display_name: role, role, ministry } satisfies SessionUser,
});
const admin = as('admin');
const reviewer = as('reviewer');
const leadership = as('leadership');
const caioMof = as('caio', 'mof');
const nobody = { user: null };

function statusOf(fn: () => unknown): number | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (isHttpError(err)) return err.status;
    throw err;
  }
}

describe('guard', () => {
  it('requires a user (401) and the right role (403)', () => {
    expect(statusOf(() => requireUser(nobody))).toBe(401);
    expect(statusOf(() => requireRole(reviewer, 'admin'))).toBe(403);
    expect(statusOf(() => requireRole(admin, 'admin'))).toBe('ok');
    expect(statusOf(() => requireRole(caioMof, 'reviewer', 'caio'))).toBe('ok');
  });

  it('scopes a CAIO to one ministry and everyone else to all', () => {
    expect(ministryScope(caioMof)).toBe('mof');
    for (const l of [admin, reviewer, leadership]) expect(ministryScope(l)).toBeNull();
    expect(statusOf(() => requireMinistry(caioMof, 'mhlw'))).toBe(403);
    expect(statusOf(() => requireMinistry(caioMof, 'mof'))).toBe('ok');
    expect(statusOf(() => requireMinistry(leadership, 'mhlw'))).toBe('ok');
  });

  it('never shows raw text to leadership, and to a CAIO only for their ministry', () => {
    expect(canSeeRawText(admin, 'mhlw')).toBe(true);
    expect(canSeeRawText(reviewer, 'mhlw')).toBe(true);
    expect(canSeeRawText(leadership, 'mof')).toBe(false);
    expect(canSeeRawText(caioMof, 'mof')).toBe(true);
    expect(canSeeRawText(caioMof, 'mhlw')).toBe(false);
    expect(canSeeRawText(nobody, 'mof')).toBe(false);
    expect(statusOf(() => requireRawText(leadership, 'mof'))).toBe(403);
  });

  it('lets admin, reviewers and a CAIO (own ministry) triage; never leadership', () => {
    expect(canTriage(reviewer, 'mhlw')).toBe(true);
    expect(canTriage(caioMof)).toBe(true);
    expect(canTriage(caioMof, 'mhlw')).toBe(false);
    expect(canTriage(leadership)).toBe(false);
  });
});

describe('route policy', () => {
  it('lets anyone reach the sign-in flow and sends everyone else to sign in', () => {
    expect(routeDecision('/login', null)).toBe('public');
    expect(routeDecision('/auth/callback', null)).toBe('public');
    expect(routeDecision('/', null)).toBe('signin');
    expect(routeDecision('/incidents', null)).toBe('signin');
  });

  it('keeps route trees to their roles', () => {
    expect(routeDecision('/admin/users', reviewer.user)).toBe('forbidden');
    expect(routeDecision('/admin/audit', admin.user)).toBe('allowed');
    expect(routeDecision('/incidents', leadership.user)).toBe('forbidden');
    expect(routeDecision('/incidents/x', leadership.user)).toBe('forbidden');
    expect(routeDecision('/incidents', caioMof.user)).toBe('allowed');
    expect(routeDecision('/ministries/mhlw', caioMof.user)).toBe('forbidden');
    expect(routeDecision('/ministries/mhlw/weekly', caioMof.user)).toBe('forbidden');
    expect(routeDecision('/ministries/%6Dhlw', caioMof.user)).toBe('forbidden');
    expect(routeDecision('/ministries/mof', caioMof.user)).toBe('allowed');
    expect(routeDecision('/ministries', caioMof.user)).toBe('allowed');
    expect(routeDecision('/ministries/mhlw', leadership.user)).toBe('allowed');
  });
});
