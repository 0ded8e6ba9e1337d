// GET /api/v1/openapi.json: the API's description (no token needed).
import type { RequestHandler } from './$types';
import { json } from '@sveltejs/kit';
import { OPENAPI } from '$lib/server/api/openapi.ts';

export const GET: RequestHandler = () => json(OPENAPI, { headers: { 'cache-control': 'public, max-age=300' } });
