// Certificates made at test time with openssl: a throwaway CA and a server certificate for 127.0.0.1 /
// localhost signed by it, so tests exercise real TLS verification (no rejectUnauthorized: false).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** A second CA that signed nothing here: trusting only it must fail verification. */
  otherCaCert: string;
}

const openssl = (args: string[], cwd: string) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

function makeCa(dir: string, name: string): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.pem`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'oversight-pki-'));
  makeCa(dir, 'test-ca');
  makeCa(dir, 'other-ca');
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr'], dir);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'test-ca.pem', '-CAkey', 'test-ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'server.ext', '-out', 'server.pem'], dir);
  return { dir, caCert: join(dir, 'test-ca.pem'), serverCert: join(dir, 'server.pem'), serverKey: join(dir, 'server.key'), otherCaCert: join(dir, 'other-ca.pem') };
}

/** The server certificate and key as a PKCS#12 keystore (what a Java server such as Kafka reads). */
export function serverKeystore(pki: TestPki, password: string): string {
  const out = join(pki.dir, 'server.p12');
  openssl(['pkcs12', '-export', '-in', pki.serverCert, '-inkey', pki.serverKey, '-name', 'server', '-out', out, '-passout', `pass:${password}`], pki.dir);
  return out;
}
