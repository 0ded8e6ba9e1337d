// Ingest tokens of the OTLP/HTTP receiver (OTLP_INGEST_TOKENS): a platform token may write any ministry
// (the spans name it), a ministry token only its own. Only digests are kept, compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import { MINISTRY_CODES } from '../../contracts/ministries.ts';

export interface IngestToken {
  /** "platform" (any ministry, named by the spans) or a ministry code (that ministry only). */
  scope: string;
  digest: Buffer;
}

export class OtlpTokenConfigError extends Error {
  override name = 'UsageError';
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** OTLP_INGEST_TOKENS="platform:<token>,mof:<token>" → tokens; one line on a malformed entry. */
export function parseIngestTokens(spec: string | undefined): IngestToken[] {
  if (!spec) return [];
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const i = entry.indexOf(':');
      const scope = i > 0 ? entry.slice(0, i) : '';
      const token = i > 0 ? entry.slice(i + 1) : '';
      if (!scope || token.length < 16) {
        throw new OtlpTokenConfigError('OTLP_INGEST_TOKENS: each entry is scope:token with a token of 16 characters or more, e.g. platform:$(openssl rand -hex 24)');
      }
      if (scope !== 'platform' && !(MINISTRY_CODES as readonly string[]).includes(scope)) {
        throw new OtlpTokenConfigError(`OTLP_INGEST_TOKENS: unknown scope "${scope}" (platform or a ministry code)`);
      }
      return { scope, digest: digest(token) };
    });
}

/** The token a bearer value names, or undefined. */
export function findIngestToken(tokens: IngestToken[], presented: string): IngestToken | undefined {
  const d = digest(presented);
  return tokens.find((t) => timingSafeEqual(t.digest, d));
}
