import { describe, expect, it } from 'vitest';
import { hashPassword, passwordProblem, verifyPasswordHash } from '../../../src/lib/server/auth/password.ts';
import { failsCsrf } from '../../../src/lib/server/auth/csrf.ts';
import { safeNext } from '../../../src/lib/server/auth/login.ts';
import { clearLoginFailures, loginBlockedFor, recordLoginFailure } from '../../../src/lib/server/auth/throttle.ts';

describe('password hashing', () => {
  it('stores a salted scrypt hash that verifies only the right password', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b); // a fresh salt each time
    expect(a).not.toContain('correct');
    expect(await verifyPasswordHash('correct horse battery', a)).toBe(true);
    expect(await verifyPasswordHash('correct horse batterY', a)).toBe(false);
    expect(await verifyPasswordHash('anything', '')).toBe(false);
    expect(await verifyPasswordHash('anything', 'md5$abc')).toBe(false);
  });

  it('refuses short passwords with a reason', () => {
    expect(passwordProblem('short')).toMatch(/at least 10/);
    expect(passwordProblem('long enough!')).toBeNull();
  });
});

describe('CSRF token check', () => {
  const url = 'http://127.0.0.1/incidents/x?/status';
  const form = (body: string) => new Request(url, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  it('passes reads and requests that carry the token', async () => {
    expect(await failsCsrf(new Request(url), 'tok')).toBe(false);
    expect(await failsCsrf(form('to=triaged&csrf=tok'), 'tok')).toBe(false);
    expect(await failsCsrf(new Request(url, { method: 'POST', headers: { 'x-csrf-token': 'tok' } }), 'tok')).toBe(false);
  });
  it('fails a missing or wrong token, and bodies it cannot read', async () => {
    expect(await failsCsrf(form('to=triaged'), 'tok')).toBe(true);
    expect(await failsCsrf(form('to=triaged&csrf=tok2'), 'tok')).toBe(true);
    expect(await failsCsrf(new Request(url, { method: 'POST', headers: { 'x-csrf-token': 'nope' } }), 'tok')).toBe(true);
    expect(await failsCsrf(new Request(url, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }), 'tok')).toBe(true);
  });
  it('leaves the body readable for the action', async () => {
    const req = form('to=triaged&csrf=tok');
    await failsCsrf(req, 'tok');
    expect((await req.formData()).get('to')).toBe('triaged');
  });
});

describe('sign-in helpers', () => {
  it('only redirects to same-site paths after sign-in', () => {
    expect(safeNext('/incidents?status=new')).toBe('/incidents?status=new');
    expect(safeNext('//evil.example/')).toBe('/');
    expect(safeNext('/\\evil.example')).toBe('/');
    expect(safeNext('https://evil.example/')).toBe('/');
    expect(safeNext(null)).toBe('/');
  });

  it('throttles an account from one address and forgets it on success there', () => {
    const t0 = 1_000_000;
    for (let i = 0; i < 8; i++) recordLoginFailure('victim2', '10.1.1.1', t0);
    expect(loginBlockedFor('victim2', '10.1.1.1', t0 + 1000)).toBeGreaterThan(0);
    clearLoginFailures('victim2', '10.1.1.1');
    expect(loginBlockedFor('victim2', '10.1.1.1', t0 + 1000)).toBe(0);
  });
});
