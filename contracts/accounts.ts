// Dashboard accounts: the four roles and an admin's change of a user's role and ministry. Shared by
// the dashboard (form actions), the CLI and the tests, like the event contracts.
import { z } from 'zod';
import { MINISTRY_CODES } from './ministries.ts';

/** admin; reviewer (all ministries, raw text); leadership (aggregates only); caio (one ministry, its raw text). */
export const ROLES = ['admin', 'reviewer', 'leadership', 'caio'] as const;
export type Role = (typeof ROLES)[number];

/**
 * A new role for an existing account. A CAIO needs exactly one known ministry; every other role has
 * none (an empty or missing ministry). Form fields arrive as strings; surrounding blanks are ignored.
 */
export const RoleChange = z
  .object({
    username: z.string().trim().min(1, 'which user? (username is empty)').max(128),
    role: z.enum(ROLES, { error: (i) => `unknown role ${JSON.stringify(i.input)} (expected one of ${ROLES.join(', ')})` }),
    ministry: z.string().trim().default(''),
  })
  .superRefine((v, ctx) => {
    if (v.role === 'caio') {
      if (v.ministry === '') ctx.addIssue({ code: 'custom', path: ['ministry'], message: 'a CAIO needs a ministry (e.g. mof)' });
      else if (!(MINISTRY_CODES as readonly string[]).includes(v.ministry)) {
        ctx.addIssue({ code: 'custom', path: ['ministry'], message: `unknown ministry code ${JSON.stringify(v.ministry)}` });
      }
    } else if (v.ministry !== '') {
      ctx.addIssue({ code: 'custom', path: ['ministry'], message: `only a CAIO has a ministry: leave it empty for ${v.role}` });
    }
  });
export type RoleChange = z.infer<typeof RoleChange>;
