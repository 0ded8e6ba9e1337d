import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { requireRole } from '$lib/server/auth/guard.ts';

export const load: PageServerLoad = async ({ locals }) => {
  requireRole(locals, 'admin');
  redirect(303, '/admin/users');
};
