// A masked excerpt of a flagged output for the safety review: a short window of text around the
// evidence, with the evidence itself replaced when it is a leak, and every long digit run, e-mail
// address and key-like token masked wherever it appears in the window. A report travels further
// than the dashboard (printed, mailed), so it never carries a secret in clear, whatever the rule.

/** Characters of context on each side of the evidence. */
const CONTEXT = 40;

/** Keeps the last four characters of a secret so a reader can match it against the incident. */
export function maskValue(s: string): string {
  const compact = s.replace(/\s+/g, '');
  return compact.length <= 4 ? '****' : `****${compact.slice(-4)}`;
}

const SECRETS: RegExp[] = [
  /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g, // e-mail addresses
  /-----BEGIN[^-]*-----[\s\S]*?(?:-----END[^-]*-----|$)/g, // key blocks, also cut ones
  /\b(?:AKIA|ASIA)[0-9A-Z]{8,}\b|\bgh[pousr]_\w{8,}|\bxox[a-z]-[\w-]{6,}|\bsk-[\w-]{8,}/g, // credential prefixes
];
/** Runs of 7+ digits, separators allowed: phone, card, Individual Number, account and passport numbers. */
const DIGIT_RUN = /[0-9０-９](?:[0-9０-９ 　‐－ー-]*[0-9０-９])?/g;

export function maskSecrets(text: string): string {
  let out = text;
  for (const re of SECRETS) out = out.replace(re, maskValue);
  return out.replace(DIGIT_RUN, (m) => (m.replace(/[^0-9０-９]/g, '').length >= 7 ? maskValue(m) : m));
}

export interface ExcerptInput {
  text: string;
  start: number;
  end: number;
  /** Leakage evidence is itself the secret: it is always masked. */
  secret: boolean;
}

export function maskedExcerpt({ text, start, end, secret }: ExcerptInput): string {
  const s = Math.max(0, Math.min(start, text.length));
  const e = Math.max(s, Math.min(end, text.length));
  // Masked before cutting, so a number split by the window edge is still recognised whole.
  const beforeAll = maskSecrets(text.slice(0, s));
  const afterAll = maskSecrets(text.slice(e));
  const before = beforeAll.slice(-CONTEXT);
  const after = afterAll.slice(0, CONTEXT);
  const evidence = text.slice(s, e);
  const mid = secret ? maskValue(evidence) : maskSecrets(evidence);
  const lead = beforeAll.length > CONTEXT ? '…' : '';
  const tail = afterAll.length > CONTEXT ? '…' : '';
  return `${lead}${before}【${mid}】${after}${tail}`.replace(/\s+/g, ' ');
}
