// POST /v1/traces: the OTLP/HTTP traces receiver of `oversight serve` (protobuf or JSON, optionally
// gzip). Spans become events through pipelines/otlp/sink.ts and the shared ingest path.
//
// Answers, as the OTLP/HTTP specification asks, in the request's encoding:
//   200 + ExportTraceServiceResponse (partial_success names every rejected span and why);
//   400 undecodable body, 401 no or unknown ingest token, 413 body (or its gunzipped form) too large,
//   415 other content types, 429 / 503 + Retry-After when ClickHouse is behind or failing.
// A 200 is sent only once every accepted span is stored. When storing takes longer than the request
// may wait, the answer is 503 + Retry-After: the spans stay queued and are stored, and the exporter's
// retry of the same spans is dropped as a repeat (ids come from trace and span ids), so nothing is
// lost and nothing is counted twice.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Env } from '../config/env.ts';
import { createIngestPath, type IngestPath, type IngestPathOptions } from '../pipelines/ingest.ts';
import { OutputMetaCache } from '../pipelines/enrich.ts';
import { decodeTraces, encodeExportResponse, encodeStatus, OtlpDecodeError, type Encoding } from '../pipelines/otlp/decode.ts';
import { describeRejections, ingestSpans } from '../pipelines/otlp/sink.ts';
import { findIngestToken, parseIngestTokens, type IngestToken } from '../pipelines/otlp/tokens.ts';

export const OTLP_HTTP_TOPIC = 'otlp/http';

export interface OtlpReceiverOptions {
  client: ClickHouseClient;
  env: Pick<Env, 'OTLP_INGEST_TOKENS' | 'OTLP_MAX_BODY_BYTES' | 'INGEST_BATCH_SIZE' | 'INGEST_MAX_MESSAGE_BYTES'>;
  /** How long a request waits for its spans to be stored before answering 503 (default 10 s). */
  waitMs?: number;
  /** Queued-but-not-stored events above which new requests get 429 (default 4 × INGEST_BATCH_SIZE). */
  maxBacklog?: number;
  /** Batching time of the receiver's paths (default 200 ms: an exporter waits for the answer). */
  batchMs?: number;
  insert?: IngestPathOptions['insert'];
  retry?: IngestPathOptions['retry'];
  log?: (line: string) => void;
}

export interface OtlpReceiver {
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Stores what is queued, then stops. */
  stop(): Promise<void>;
}

class HttpError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new HttpError(413, `the body (${declared} bytes) is larger than OTLP_MAX_BODY_BYTES (${limit}); send smaller batches`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new HttpError(413, `the body is larger than OTLP_MAX_BODY_BYTES (${limit}); send smaller batches`));
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function createOtlpReceiver(opts: OtlpReceiverOptions): OtlpReceiver {
  const { client, env } = opts;
  const log = opts.log ?? ((l: string) => console.error(l));
  const tokens = parseIngestTokens(env.OTLP_INGEST_TOKENS);
  const waitMs = opts.waitMs ?? 10_000;
  const maxBacklog = opts.maxBacklog ?? env.INGEST_BATCH_SIZE * 4;
  let stalled = 0;
  const cache = new OutputMetaCache();
  const pathOptions = (): IngestPathOptions => {
    let mine = false;
    return {
      batchSize: env.INGEST_BATCH_SIZE,
      batchMs: opts.batchMs ?? 200,
      maxMessageBytes: env.INGEST_MAX_MESSAGE_BYTES,
      outputCache: cache,
      insert: opts.insert,
      retry: opts.retry,
      onStall: (err, attempt, delay) => {
        if (!mine) {
          mine = true;
          stalled++;
        }
        log(`otlp: write failed (attempt ${attempt}, retrying in ${delay} ms; new requests get 503): ${(err as Error).message}`);
      },
      onRecover: () => {
        if (mine) {
          mine = false;
          stalled--;
          log('otlp: writes succeed again');
        }
      },
    };
  };
  const paths: { usage: IngestPath; outputs: IngestPath } = {
    usage: createIngestPath(client, 'usage', pathOptions()),
    outputs: createIngestPath(client, 'outputs', pathOptions()),
  };

  function authenticate(req: IncomingMessage): IngestToken {
    if (tokens.length === 0) throw new HttpError(404, 'the OTLP receiver is off: set OTLP_INGEST_TOKENS to enable /v1/traces');
    const header = String(req.headers.authorization ?? '');
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new HttpError(401, 'an ingest token is required: Authorization: Bearer <token>', { 'www-authenticate': 'Bearer' });
    const found = findIngestToken(tokens, m[1]);
    if (!found) throw new HttpError(401, 'unknown ingest token', { 'www-authenticate': 'Bearer' });
    return found;
  }

  async function serve(req: IncomingMessage, encoding: Encoding): Promise<{ body: Buffer; rejected: number }> {
    if (req.method !== 'POST') throw new HttpError(405, 'use POST', { allow: 'POST' });
    const token = authenticate(req);
    if (stalled > 0) throw new HttpError(503, 'the database is not accepting writes right now; retry later', { 'retry-after': '5' });
    const backlog = paths.usage.backlog + paths.outputs.backlog;
    if (backlog > maxBacklog) throw new HttpError(429, `${backlog} events are waiting to be stored; retry later`, { 'retry-after': '2' });
    let body = await readBody(req, env.OTLP_MAX_BODY_BYTES);
    const contentEncoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (contentEncoding === 'gzip') {
      try {
        body = gunzipSync(body, { maxOutputLength: env.OTLP_MAX_BODY_BYTES });
      } catch (err) {
        const tooBig = (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || /larger than|buffer/i.test((err as Error).message);
        throw tooBig
          ? new HttpError(413, `the gunzipped body is larger than OTLP_MAX_BODY_BYTES (${env.OTLP_MAX_BODY_BYTES})`)
          : new HttpError(400, `the body is not valid gzip: ${(err as Error).message}`);
      }
    } else if (contentEncoding !== 'identity') {
      throw new HttpError(415, `content-encoding ${contentEncoding} is not supported (gzip or none)`);
    }
    let spans;
    try {
      spans = decodeTraces(body, encoding);
    } catch (err) {
      if (err instanceof OtlpDecodeError) throw new HttpError(400, err.message);
      throw err;
    }
    const result = ingestSpans(spans, {
      client,
      paths,
      source: { topic: OTLP_HTTP_TOPIC, partition: 0 },
      ministry: token.scope === 'platform' ? undefined : token.scope,
      maxMessageBytes: env.INGEST_MAX_MESSAGE_BYTES,
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), waitMs)));
    const outcome = await Promise.race([result.durable.then(() => 'stored' as const), timeout]).finally(() => clearTimeout(timer));
    if (outcome === 'timeout') {
      throw new HttpError(503, `the spans are queued but not stored within ${waitMs} ms; retry later (a retry is not counted twice)`, { 'retry-after': '5' });
    }
    return { body: encodeExportResponse(encoding, result.rejected.length, describeRejections(result.rejected)), rejected: result.rejected.length };
  }

  return {
    handle(req, res) {
      const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      const encoding: Encoding | undefined = type === 'application/x-protobuf' || type === 'application/protobuf' ? 'proto' : type === 'application/json' ? 'json' : undefined;
      const contentType = encoding === 'proto' ? 'application/x-protobuf' : 'application/json';
      if (!encoding) {
        req.resume();
        res.writeHead(415, { 'content-type': 'application/json' }).end(encodeStatus('json', 3, `content-type ${type || '(none)'} is not supported: application/x-protobuf or application/json`));
        return;
      }
      serve(req, encoding).then(
        ({ body, rejected }) => {
          if (rejected) log(`otlp: ${rejected} span(s) rejected (see ingest_errors)`);
          res.writeHead(200, { 'content-type': contentType }).end(body);
        },
        (err) => {
          const e = err instanceof HttpError ? err : new HttpError(500, `internal error: ${(err as Error).message}`);
          if (e.status >= 500) log(`otlp: ${e.status} ${e.message}`);
          // gRPC status codes in the body: 3 INVALID_ARGUMENT, 16 UNAUTHENTICATED, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE.
          const code = e.status === 401 ? 16 : e.status === 429 || e.status === 413 ? 8 : e.status >= 500 ? 14 : 3;
          res.writeHead(e.status, { 'content-type': contentType, ...e.headers }).end(encodeStatus(encoding, code, e.message));
        },
      );
    },
    async stop() {
      await Promise.allSettled([paths.usage.flush(), paths.outputs.flush()]);
      paths.usage.close();
      paths.outputs.close();
    },
  };
}
