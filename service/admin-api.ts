// The admin API of a running `oversight serve`, for CLI commands that need the embedded database
// while the service holds its lock (chDB allows one process per data directory). Local use only:
// every call needs the bearer token the service wrote next to its data directory.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Env } from '../config/env.ts';
import { queryRows } from '../clickhouse/client.ts';
import { incidentTotal } from '../clickhouse/stores/incidents.ts';
import { ingestStream } from '../pipelines/file-source.ts';

export interface AdminContext {
  client: ClickHouseClient;
  env: Env;
  token: string;
  log: (line: string) => void;
  runEvaluation?: () => Promise<unknown>;
}

function authorized(ctx: AdminContext, req: IncomingMessage): boolean {
  const given = Buffer.from((req.headers.authorization ?? '').replace(/^Bearer /, ''));
  const want = Buffer.from(ctx.token);
  return given.length === want.length && timingSafeEqual(given, want);
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export function handleAdminRequest(ctx: AdminContext, req: IncomingMessage, res: ServerResponse): void {
  if (!authorized(ctx, req)) return reply(res, 401, { error: 'missing or wrong admin token' });
  const url = new URL(req.url ?? '/', 'http://localhost');
  const route = `${req.method} ${url.pathname}`;
  const work = (async () => {
    switch (route) {
      case 'GET /admin-api/status': {
        const [counts] = await queryRows<Record<string, number | string>>(
          ctx.client,
          `SELECT (SELECT count() FROM usage_events FINAL) AS usage_events, (SELECT count() FROM outputs FINAL) AS outputs,
                  (SELECT count() FROM feedback FINAL) AS feedback, (SELECT count() FROM flags FINAL WHERE is_deleted = 0) AS flags,
                  (SELECT count() FROM ingest_errors FINAL) AS ingest_errors`,
        );
        // The incident tables' SQL lives in their store; the key order is the one callers always saw.
        const incidents = await incidentTotal(ctx.client);
        const { ingest_errors, ...rest } = counts ?? {};
        return reply(res, 200, { ...rest, incidents, ingest_errors });
      }
      case 'POST /admin-api/ingest': {
        const topic = url.searchParams.get('topic');
        if (!topic) return reply(res, 400, { error: 'topic query parameter is required' });
        const summary = await ingestStream(ctx.client, req, { topic, env: ctx.env, sourceName: `admin-api:${topic}` });
        return reply(res, 200, summary);
      }
      case 'POST /admin-api/evaluate': {
        if (!ctx.runEvaluation) return reply(res, 409, { error: 'the evaluator scheduler is disabled in this service' });
        return reply(res, 200, await ctx.runEvaluation());
      }
      default:
        return reply(res, 404, { error: `no admin route ${route}` });
    }
  })();
  work.catch((err) => {
    ctx.log(`admin API ${route} failed: ${(err as Error).message}`);
    if (!res.headersSent) reply(res, 500, { error: (err as Error).message });
  });
}
