// Who may open review samples: the route policy (hooks) and the guard (loads and actions) agree that
// leadership never does, a CAIO only for their own ministry's items.
import { describe, expect, it } from 'vitest';
import { routeDecision } from '../../../src/lib/server/auth/route-policy.ts';
import { requireLabeling } from '../../../src/lib/server/auth/guard.ts';
import type { SessionUser } from '../../../src/lib/server/auth/roles.ts';

const user = (role: SessionUser["role"], ministry?: string): SessionUser => ({ username: role, display_name: role, role, ministry: ministry ?? null });
const status = (fn: () => unknown) => {
  try {
    fn();
    return 200;
  } catch (err) {
    return (err as { status?: number }).status ?? 500;
  }
};

describe('review sample access', () => {
  it('route policy: leadership is refused every /review path; the other roles pass to the guard', () => {
    for (const path of ['/review', '/review/rv-1', '/review/export.ndjson']) {
      expect(routeDecision(path, user('leadership'))).toBe('forbidden');
      for (const role of ['admin', 'reviewer'] as const) expect(routeDecision(path, user(role))).toBe('allowed');
      expect(routeDecision(path, user('caio', 'mof'))).toBe('allowed');
      expect(routeDecision(path, null)).toBe('signin');
    }
  });

  it('guard: a CAIO labels their own ministry only; leadership never', () => {
    expect(status(() => requireLabeling({ user: user('caio', 'mof') }, 'mof'))).toBe(200);
    expect(status(() => requireLabeling({ user: user('caio', 'mof') }, 'mhlw'))).toBe(403);
    expect(status(() => requireLabeling({ user: user('reviewer') }, 'mhlw'))).toBe(200);
    expect(status(() => requireLabeling({ user: user('leadership') }))).toBe(403);
    expect(status(() => requireLabeling({ user: null }))).toBe(401);
  });
});
