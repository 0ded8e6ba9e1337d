// The read-API token store (`api_tokens`): issue, look up by the token's digest, list, revoke. A token
// row is versioned (ReplacingMergeTree on updated_at); reads take the latest version with FINAL.
import type { ClickHouseClient } from '@clickhouse/client';
import { insertRows, queryRows } from '../client.ts';
import type { ApiTokenRow } from '../../contracts/tables.ts';

export type ApiToken = Required<Omit<ApiTokenRow, 'token_hash'>>;

const COLUMNS = 'token_id, name, role, ministry, created_by, created_at, expires_at, revoked, updated_at';

export async function insertApiToken(client: ClickHouseClient, row: ApiTokenRow): Promise<void> {
  await insertRows(client, 'api_tokens', [row]);
}

export async function apiTokenByHash(client: ClickHouseClient, tokenHash: string): Promise<(ApiToken & { token_hash: string }) | undefined> {
  const rows = await queryRows<ApiToken & { token_hash: string }>(
    client,
    `SELECT ${COLUMNS}, token_hash FROM api_tokens FINAL WHERE token_hash = {h:String} LIMIT 1`,
    { h: tokenHash },
  );
  return rows[0];
}

export async function apiTokenById(client: ClickHouseClient, id: string): Promise<(ApiToken & { token_hash: string }) | undefined> {
  const rows = await queryRows<ApiToken & { token_hash: string }>(client, `SELECT ${COLUMNS}, token_hash FROM api_tokens FINAL WHERE token_id = {id:String}`, { id });
  return rows[0];
}

export async function listApiTokens(client: ClickHouseClient): Promise<ApiToken[]> {
  return queryRows<ApiToken>(client, `SELECT ${COLUMNS} FROM api_tokens FINAL ORDER BY created_at DESC`);
}

/** Writes the revoked version; the digest is kept so the token keeps answering "revoked", not "unknown". */
export async function revokeApiToken(client: ClickHouseClient, token: ApiToken & { token_hash: string }, at: Date): Promise<void> {
  await insertRows(client, 'api_tokens', [
    {
      token_id: token.token_id,
      token_hash: token.token_hash,
      name: token.name,
      role: token.role,
      ministry: token.ministry,
      created_by: token.created_by,
      created_at: token.created_at,
      expires_at: token.expires_at,
      revoked: 1,
      updated_at: at.toISOString(),
    },
  ]);
}
