// The signed-in user, set by src/hooks.server.ts from the session cookie; null when nobody is signed in.
// The user's shape (username, role, ministry, display_name) is SessionUser in src/lib/server/auth/roles.ts.
import type { SessionUser } from './lib/server/auth/roles.ts';

declare global {
  namespace App {
    interface Locals {
      user: SessionUser | null;
      /** The current session's CSRF token (sent back by every form action) and expiry; null when signed out. */
      session: { hash: string; csrfToken: string; expiresAt: string } | null;
    }
  }
}
export {};
