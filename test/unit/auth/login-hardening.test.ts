// Issue 9 items 14 and 17: where sign-in may send the browser afterwards, and throttling that slows a
// guesser without letting anyone lock a user out of their own address.
import { describe, expect, it } from 'vitest';
import { safeNext } from '../../../src/lib/server/auth/login.ts';
import {
  ADDRESS_MAX_FAILURES,
  FREE_FAILURES,
  MAX_BACKOFF_MS,
  WINDOW_MS,
  backoffMs,
  loginThrottle,
  recordLoginFailure,
} from '../../../src/lib/server/auth/throttle.ts';

/** What a browser does with a Location header: resolve it against the page it came from. */
const landsOn = (location: string) => new URL(location, 'https://oversight.example.go.jp/login').host;

describe('safeNext', () => {
  it('refuses every way of writing another site, as the browser would resolve it', () => {
    for (const next of [
      '/\t/evil.example', // next=/%09/evil.example: browsers strip the tab, leaving //evil.example
      '/\n/evil.example',
      '/\r\n/evil.example',
      '\t//evil.example',
      '/\\evil.example',
      '\\/evil.example',
      '/.//evil.example',
      '//evil.example',
      '///evil.example',
      'https://evil.example/',
      'javascript:alert(1)',
      '',
    ]) {
      const out = safeNext(next);
      expect(out, JSON.stringify(next)).toBe('/');
    }
  });

  it('keeps same-site paths with their query and fragment', () => {
    expect(safeNext('/incidents?status=new#top')).toBe('/incidents?status=new#top');
    expect(safeNext('/ministries/mof?from=2026-11-01&to=2026-11-30')).toBe('/ministries/mof?from=2026-11-01&to=2026-11-30');
    expect(landsOn(safeNext('/incidents'))).toBe('oversight.example.go.jp');
  });

  it('returns a valid header value for newlines and non-ASCII (no 500 from the redirect)', () => {
    for (const next of ['/incidents\n?x=1', '/\u3000', '/incidents?q=\u3000東京', '/a\u2028b', '/%E3%80%80']) {
      const out = safeNext(next);
      // A Headers object throws on what a Location header cannot carry, as SvelteKit's redirect would.
      expect(() => new Headers({ location: out }), JSON.stringify(next)).not.toThrow();
      expect(out).toMatch(/^\/(?!\/)[\x21-\x7e]*$/);
      expect(landsOn(out)).toBe('oversight.example.go.jp');
    }
  });
});

describe('sign-in throttling', () => {
  it('lets the account sign in from its own address while another address fails against it', () => {
    const t0 = 10_000_000;
    // The attacker fails 200 times against admin from one address (the old rule locked admin after 8).
    for (let i = 0; i < 200; i++) {
      if (loginThrottle('admin', '203.0.113.9', t0 + i * 1000).wait === 0) recordLoginFailure('admin', '203.0.113.9', t0 + i * 1000);
    }
    expect(loginThrottle('admin', '203.0.113.9', t0 + 200_000).wait).toBeGreaterThan(0);
    expect(loginThrottle('admin', '192.0.2.10', t0 + 200_000)).toEqual({ wait: 0, reason: null });
  });

  it('backs off exponentially per account and address after the free failures, up to the cap', () => {
    const t0 = 20_000_000;
    for (let i = 0; i < FREE_FAILURES - 1; i++) recordLoginFailure('carol', '198.51.100.1', t0);
    expect(loginThrottle('carol', '198.51.100.1', t0).wait).toBe(0);
    recordLoginFailure('carol', '198.51.100.1', t0);
    expect(loginThrottle('carol', '198.51.100.1', t0)).toEqual({ wait: 1, reason: 'account_address' });
    recordLoginFailure('carol', '198.51.100.1', t0 + 1000);
    expect(loginThrottle('carol', '198.51.100.1', t0 + 1000).wait).toBe(2);
    recordLoginFailure('carol', '198.51.100.1', t0 + 3000);
    expect(loginThrottle('carol', '198.51.100.1', t0 + 3000).wait).toBe(4);
    expect(loginThrottle('carol', '198.51.100.1', t0 + 7000).wait).toBe(0);
    expect(backoffMs(FREE_FAILURES + 40)).toBe(MAX_BACKOFF_MS);
    // Another username from the same address is not slowed by carol's failures.
    expect(loginThrottle('dave', '198.51.100.1', t0 + 3000).wait).toBe(0);
  });

  it('does not hand out fresh free attempts to a guesser who waits out the cap', () => {
    const t0 = 30_000_000;
    let at = t0;
    for (let i = 0; i < 30; i++) {
      at += loginThrottle('erin', '198.51.100.2', at).wait * 1000;
      recordLoginFailure('erin', '198.51.100.2', at);
    }
    // Waiting exactly the capped backoff allows one more try, and the one after it waits the cap again.
    at += MAX_BACKOFF_MS;
    expect(loginThrottle('erin', '198.51.100.2', at).wait).toBe(0);
    recordLoginFailure('erin', '198.51.100.2', at);
    expect(loginThrottle('erin', '198.51.100.2', at + 1).wait * 1000).toBeGreaterThan(MAX_BACKOFF_MS - 1000);
    // A long quiet spell (window after the backoff) forgets the key.
    expect(loginThrottle('erin', '198.51.100.2', at + MAX_BACKOFF_MS + WINDOW_MS).wait).toBe(0);
  });

  it('limits one address across usernames, more loosely, for the window', () => {
    const t0 = 40_000_000;
    for (let i = 0; i < ADDRESS_MAX_FAILURES; i++) recordLoginFailure(`user${i}`, '198.51.100.3', t0 + i);
    const t = loginThrottle('someone-else', '198.51.100.3', t0 + 1000);
    expect(t.reason).toBe('address');
    expect(t.wait).toBeGreaterThan(WINDOW_MS / 1000 - 5);
    expect(loginThrottle('someone-else', '198.51.100.4', t0 + 1000).wait).toBe(0);
    expect(loginThrottle('someone-else', '198.51.100.3', t0 + ADDRESS_MAX_FAILURES + WINDOW_MS).wait).toBe(0);
  });
});
