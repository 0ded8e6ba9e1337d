// NDJSON lines as raw bytes, bounded. readline would decode the bytes (turning Shift_JIS or 0xFF into
// U+FFFD, so the original is lost) and buffer a line of any length (one 2 GB line exhausts memory).
// Here a line stays bytes, so rows.ts decodes it strictly and the DLQ keeps it as it was, and a line
// longer than `maxBytes` is kept only up to `maxBytes + 1` bytes (enough to be rejected as oversized)
// while its full length is still counted.
import type { Readable } from 'node:stream';

export interface NdjsonLine {
  /** 1-based line number in the input. */
  number: number;
  /** The line without its \n (and \r); cut to maxBytes + 1 bytes when longer. */
  bytes: Buffer;
  /** The line's full length in bytes (more than bytes.length when it was cut). */
  length: number;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

export async function* ndjsonLines(input: Readable, maxBytes: number): AsyncGenerator<NdjsonLine> {
  let parts: Buffer[] = [];
  let kept = 0;
  let length = 0;
  let number = 0;
  const take = (chunk: Buffer) => {
    length += chunk.length;
    const room = maxBytes + 1 - kept;
    if (room > 0) {
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      parts.push(part);
      kept += part.length;
    }
  };
  const finish = (): NdjsonLine => {
    let bytes = parts.length === 1 ? parts[0] : Buffer.concat(parts, kept);
    let len = length;
    if (len === bytes.length && bytes.length && bytes[bytes.length - 1] === CR) {
      bytes = bytes.subarray(0, bytes.length - 1);
      len--;
    }
    parts = [];
    kept = 0;
    length = 0;
    return { number: ++number, bytes, length: len };
  };
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(NEWLINE, start); nl !== -1; nl = buf.indexOf(NEWLINE, start)) {
      take(buf.subarray(start, nl));
      yield finish();
      start = nl + 1;
    }
    if (start < buf.length) take(buf.subarray(start));
  }
  if (length > 0) yield finish();
}

/** True for a line of only ASCII whitespace (skipped, as blank lines are in NDJSON). */
export function isBlank(bytes: Buffer): boolean {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== CR) return false;
  return true;
}
