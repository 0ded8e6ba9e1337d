// Read-API tokens: an admin issues one for a role and (for a CAIO) a ministry, with an expiry; it can
// be revoked. The secret is shown once; only its SHA-256 is stored (clickhouse/stores/api-tokens.ts).
// A token acts as a user of its role: the API's handlers use the same guard and filters as the pages.
import { createHash, randomBytes } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { RoleChange } from '../../../../contracts/accounts.ts';
import { apiTokenByHash, apiTokenById, insertApiToken, listApiTokens, revokeApiToken, type ApiToken } from '../../../../clickhouse/stores/api-tokens.ts';
import type { SessionUser } from '../auth/roles.ts';

export const TOKEN_PREFIX = 'ovt_';
const MAX_DAYS = 730;

export class ApiAuthError extends Error {
  readonly status: 400 | 401 | 404;
  constructor(status: 400 | 401 | 404, message: string) {
    super(message);
    this.status = status;
  }
}

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

export interface IssueRequest {
  name: string;
  role: string;
  ministry?: string;
  /** Lifetime in days (1..730). */
  days: number;
  /** Who issues it (the admin's username or token name), for the audit trail. */
  by: string;
}

export interface IssuedToken {
  token: string;
  token_id: string;
  role: string;
  ministry: string;
  expires_at: string;
}

export async function issueApiToken(client: ClickHouseClient, req: IssueRequest, now = new Date()): Promise<IssuedToken> {
  // The same role/ministry rules as an account: a CAIO needs one known ministry, nobody else has one.
  const parsed = RoleChange.safeParse({ username: req.name, role: req.role, ministry: req.ministry ?? '' });
  if (!parsed.success) throw new ApiAuthError(400, parsed.error.issues.map((i) => `${i.path.join('.') || 'token'}: ${i.message}`).join('; '));
  if (!Number.isInteger(req.days) || req.days < 1 || req.days > MAX_DAYS) throw new ApiAuthError(400, `days must be a whole number from 1 to ${MAX_DAYS}`);
  const tokenId = randomBytes(8).toString('hex');
  const token = `${TOKEN_PREFIX}${tokenId}_${randomBytes(24).toString('base64url')}`;
  const expires = new Date(now.getTime() + req.days * 86_400_000);
  await insertApiToken(client, {
    token_id: tokenId,
    token_hash: digest(token),
    name: parsed.data.username,
    role: parsed.data.role,
    ministry: parsed.data.ministry,
    created_by: req.by,
    created_at: now.toISOString(),
    expires_at: expires.toISOString(),
    revoked: 0,
    updated_at: now.toISOString(),
  });
  return { token, token_id: tokenId, role: parsed.data.role, ministry: parsed.data.ministry, expires_at: expires.toISOString() };
}

export interface ApiCaller {
  /** The token acting as a user of its role (username "api:<name>"). */
  user: SessionUser;
  token: ApiToken;
}

const toTime = (s: string) => Date.parse(s.includes('T') ? s : `${s.replace(' ', 'T')}Z`);

/** The caller behind `Authorization: Bearer ovt_…`, or ApiAuthError 401 saying why (missing, unknown, expired, revoked). */
export async function authenticateApiToken(client: ClickHouseClient, authorization: string | null, now = new Date()): Promise<ApiCaller> {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!m) throw new ApiAuthError(401, 'an API token is required: Authorization: Bearer <token> (an administrator issues one)');
  const token = await apiTokenByHash(client, digest(m[1]));
  if (!token) throw new ApiAuthError(401, 'unknown API token');
  if (Number(token.revoked) === 1) throw new ApiAuthError(401, `this API token (${token.token_id}) was revoked`);
  if (toTime(token.expires_at) <= now.getTime()) throw new ApiAuthError(401, `this API token (${token.token_id}) expired at ${token.expires_at} UTC`);
  const role = token.role as SessionUser['role'];
  return { user: { username: `api:${token.name}`, display_name: token.name, role, ministry: role === 'caio' ? token.ministry : null }, token };
}

export async function revokeApiTokenById(client: ClickHouseClient, id: string, now = new Date()): Promise<ApiToken> {
  const token = await apiTokenById(client, id);
  if (!token) throw new ApiAuthError(404, `no API token ${id}`);
  await revokeApiToken(client, token, now);
  return { ...token, revoked: 1 };
}

export { listApiTokens };
