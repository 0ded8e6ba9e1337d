// Which route trees each role may open, decided in hooks.server.ts before any load runs. Loads and
// actions check again with guard.ts; this table is the outer wall, not the only one.
import type { SessionUser } from './roles.ts';

export type RouteDecision = 'public' | 'signin' | 'forbidden' | 'allowed';

/** Paths anyone may open: the sign-in flow itself. */
const PUBLIC = [/^\/login\/?$/, /^\/auth\//, /^\/favicon/, /^\/robots\.txt$/];
/**
 * The read API authenticates its own bearer tokens (src/lib/server/api/route.ts) and answers JSON 401/403
 * itself; its handlers check role and ministry with the same guard as the pages.
 */
const API = /^\/api\/v1(\/|$)/;

export function routeDecision(pathname: string, user: SessionUser | null): RouteDecision {
  if (PUBLIC.some((re) => re.test(pathname)) || API.test(pathname)) return 'public';
  if (!user) return 'signin';
  const [first, second] = pathname.split('/').filter(Boolean).map(safeDecode);
  switch (first) {
    case 'admin':
      return user.role === 'admin' ? 'allowed' : 'forbidden';
    case 'incidents':
      // Leadership sees incident counts on the analytics pages, never the queue or an incident.
      return user.role === 'leadership' ? 'forbidden' : 'allowed';
    case 'review':
      // Review samples show raw text: leadership sees the estimates on /evaluators, never the samples.
      return user.role === 'leadership' ? 'forbidden' : 'allowed';
    case 'ministries':
      // /ministries/<code>/…: a CAIO only opens their own ministry's pages.
      if (user.role === 'caio' && second !== undefined && second !== user.ministry) return 'forbidden';
      return 'allowed';
    case 'reports':
      // Every role may open /reports; which report (a CAIO: their ministry's only) and whether its
      // excerpts show is decided per report in src/lib/server/reports/access.ts.
      return 'allowed';
    default:
      return 'allowed';
  }
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
