// The signed-in user, set by src/hooks.server.ts from the session cookie; null when nobody is signed in.
declare global {
  namespace App {
    interface Locals {
      user: {
        username: string;
        role: 'admin' | 'reviewer' | 'leadership' | 'caio';
        /** The CAIO's ministry code; null for roles that see every ministry. */
        ministry: string | null;
        display_name: string;
      } | null;
    }
  }
}
export {};
