// Identifier formats that leakage evaluators must recognise, generated with their real check
// digits (and deliberately broken ones for look-alikes). All values are synthetic.
import type { Rng } from './prng.ts';

/** Individual Number check digit (番号法施行令 第8条): weights 2..7,2..6 from the right, mod 11. */
export function myNumberCheckDigit(body11: string): number {
  if (!/^\d{11}$/.test(body11)) throw new Error('an Individual Number body is 11 digits');
  let sum = 0;
  for (let n = 1; n <= 11; n++) {
    const p = Number(body11[11 - n]);
    const q = n <= 6 ? n + 1 : n - 5;
    sum += p * q;
  }
  const r = sum % 11;
  return r <= 1 ? 0 : 11 - r;
}

export function isValidMyNumber(digits: string): boolean {
  const d = digits.replace(/[\s-]/g, '');
  return /^\d{12}$/.test(d) && myNumberCheckDigit(d.slice(0, 11)) === Number(d[11]);
}

function digits(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(rng.int(0, 9));
  return s;
}

export function validMyNumber(rng: Rng): string {
  const body = String(rng.int(1, 9)) + digits(rng, 10);
  return body + String(myNumberCheckDigit(body));
}

/** 12 digits whose last digit is NOT the check digit: order or receipt numbers must not be flagged. */
export function invalidMyNumber(rng: Rng): string {
  const body = String(rng.int(1, 9)) + digits(rng, 10);
  const good = myNumberCheckDigit(body);
  return body + String((good + rng.int(1, 9)) % 10);
}

export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    let d = Number(payload[payload.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function isLuhnValid(number: string): boolean {
  const d = number.replace(/[\s-]/g, '');
  return /^\d{13,19}$/.test(d) && luhnCheckDigit(d.slice(0, -1)) === Number(d[d.length - 1]);
}

interface Brand {
  name: string;
  prefix: (rng: Rng) => string;
  length: number;
}
const BRANDS: readonly Brand[] = [
  { name: 'VISA', prefix: () => '4', length: 16 },
  { name: 'Mastercard', prefix: (r) => String(r.int(51, 55)), length: 16 },
  { name: 'JCB', prefix: (r) => String(r.int(3528, 3589)), length: 16 },
  { name: 'American Express', prefix: (r) => r.pick(['34', '37']), length: 15 },
  { name: 'Diners Club', prefix: () => '36', length: 14 },
];

export function validCard(rng: Rng): { brand: string; number: string } {
  const brand = rng.pick(BRANDS);
  const prefix = brand.prefix(rng);
  const payload = prefix + digits(rng, brand.length - prefix.length - 1);
  return { brand: brand.name, number: payload + String(luhnCheckDigit(payload)) };
}

/** Groups digits 4-4-4-4 (or 4-6-5 for 15-digit cards) the way people paste them. */
export function groupCard(number: string, sep: string): string {
  if (number.length === 15) return [number.slice(0, 4), number.slice(4, 10), number.slice(10)].join(sep);
  return number.match(/.{1,4}/g)!.join(sep);
}

export function maskedCard(rng: Rng): string {
  const last4 = digits(rng, 4);
  return rng.pick([`****-****-****-${last4}`, `XXXX-XXXX-XXXX-${last4}`, `**** **** **** ${last4}`, `末尾${last4}のカード`]);
}

export function mobileNumber(rng: Rng): string {
  const head = rng.pick(['070', '080', '090']);
  const a = digits(rng, 4);
  const b = digits(rng, 4);
  return rng.chance(0.7) ? `${head}-${a}-${b}` : `${head}${a}${b}`;
}

/** Kasumigaseki switchboard-style landline (03-3581-xxxx etc.): official, not personal. */
export function officeLandline(rng: Rng): string {
  return `03-${rng.pick(['3581', '3580', '5253', '3501', '6771', '4477'])}-${digits(rng, 4)}`;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function charsFrom(rng: Rng, alphabet: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[rng.int(0, alphabet.length - 1)];
  return s;
}

/** Fake credentials with the real shapes (prefix, length, alphabet); none of them is a live secret. */
export function fakeCredential(rng: Rng): { kind: string; value: string } {
  switch (rng.int(0, 3)) {
    case 0:
      return { kind: 'AWSアクセスキー', value: 'AKIA' + charsFrom(rng, BASE32, 16) };
    case 1:
      return { kind: 'GitHubトークン', value: 'ghp_' + charsFrom(rng, ALNUM, 36) };
    case 2:
      return { kind: 'Slackボットトークン', value: `xoxb-${digits(rng, 12)}-${digits(rng, 13)}-${charsFrom(rng, ALNUM, 24)}` };
    default:
      return { kind: 'APIキー', value: 'sk-proj-' + charsFrom(rng, ALNUM + '_-', 48) };
  }
}

/** Corporate numbers (法人番号) are public: 13 digits with their own check digit (mod 9). */
export function corporateNumber(rng: Rng): string {
  const body = digits(rng, 12);
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(body[11 - i]) * (i % 2 === 0 ? 1 : 2);
  return String(9 - (sum % 9)) + body;
}

export function toFullWidthDigits(s: string): string {
  return s.replace(/[0-9]/g, (d) => String.fromCharCode(d.charCodeAt(0) + 0xfee0));
}

const KANJI_DIGITS = ['', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
/** 1..9999 in kanji positional form as statutes write article numbers (千百条, 七百九条). */
export function toKanjiNumber(n: number): string {
  if (!Number.isInteger(n) || n < 1 || n > 9999) throw new Error(`kanji numerals here cover 1..9999, got ${n}`);
  const units: Array<[number, string]> = [[1000, '千'], [100, '百'], [10, '十']];
  let out = '';
  let rest = n;
  for (const [value, name] of units) {
    const q = Math.floor(rest / value);
    if (q > 0) out += (q === 1 ? '' : KANJI_DIGITS[q]) + name;
    rest %= value;
  }
  return out + KANJI_DIGITS[rest];
}
