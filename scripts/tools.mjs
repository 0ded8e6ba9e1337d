#!/usr/bin/env node
// Real counterparts the tests talk to, fetched or built once and cached under .cache/ (git-ignored),
// like the Kafka jars (scripts/kafka.mjs):
//   node scripts/tools.mjs fetch [mailpit|promtool|keycloak ...]   (no name: all of them)
//   node scripts/tools.mjs path <name>                              prints the cached path, or exits 1
// - mailpit: a real SMTP server with an HTTP API (Go module, `go install`), for the alert-mail tests;
// - promtool: Prometheus' rule checker (Go module), for deploy/prometheus;
// - keycloak: the Keycloak server distribution (Maven Central zip, needs Java 17), for the SSO tests.
// Tests import toolPath() and fail with the command to run when a tool is missing; .ci/run fetches all.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(ROOT, '.cache');
const BIN = join(CACHE, 'bin');

export const MAILPIT_VERSION = 'v1.33.1';
export const PROMTOOL_VERSION = 'v0.316.0';
export const KEYCLOAK_VERSION = '26.4.0';

const TOOLS = {
  mailpit: {
    path: join(BIN, 'mailpit'),
    fetch: () => goInstall(`github.com/axllent/mailpit@${MAILPIT_VERSION}`),
  },
  promtool: {
    path: join(BIN, 'promtool'),
    fetch: () => goInstall(`github.com/prometheus/prometheus/cmd/promtool@${PROMTOOL_VERSION}`),
  },
  keycloak: {
    path: join(CACHE, 'keycloak', `keycloak-${KEYCLOAK_VERSION}`),
    fetch: fetchKeycloak,
  },
};

export class ToolMissingError extends Error {}

/** The cached tool's path; throws with the command that fetches it when it is not there. */
export function toolPath(name) {
  const tool = TOOLS[name];
  if (!tool) throw new Error(`unknown tool ${name}; known: ${Object.keys(TOOLS).join(', ')}`);
  if (!existsSync(tool.path)) {
    throw new ToolMissingError(`${name} is not in ${tool.path}: run \`node scripts/tools.mjs fetch ${name}\` (once; it is cached)`);
  }
  return tool.path;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw new Error(`\`${cmd}\` could not run: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`\`${cmd} ${args.join(' ')}\` failed with exit ${r.status}`);
}

function goInstall(module) {
  mkdirSync(BIN, { recursive: true });
  console.error(`building ${module} with go install into ${BIN} (a few minutes the first time)…`);
  run('go', ['install', module], { env: { ...process.env, GOBIN: BIN, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' } });
}

function fetchKeycloak() {
  const artifact = `org.keycloak:keycloak-quarkus-dist:${KEYCLOAK_VERSION}:zip`;
  console.error(`fetching ${artifact} from Maven Central (about 160 MB)…`);
  run('mvn', ['-q', '-B', 'dependency:get', `-Dartifact=${artifact}`, '-Dtransitive=false']);
  const zip = join(homedir(), '.m2/repository/org/keycloak/keycloak-quarkus-dist', KEYCLOAK_VERSION, `keycloak-quarkus-dist-${KEYCLOAK_VERSION}.zip`);
  if (!existsSync(zip)) throw new Error(`mvn reported success but ${zip} is missing`);
  const target = join(CACHE, 'keycloak');
  const staging = join(target, 'staging');
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  // `unzip` may be missing on a fresh machine; Java's jar tool is there wherever Maven is.
  const unzip = spawnSync('unzip', ['-q', zip, '-d', staging], { stdio: 'inherit' });
  if (unzip.error || unzip.status !== 0) run('jar', ['xf', zip], { cwd: staging });
  const [top] = readdirSync(staging);
  rmSync(TOOLS.keycloak.path, { recursive: true, force: true });
  renameSync(join(staging, top), TOOLS.keycloak.path);
  rmSync(staging, { recursive: true, force: true });
  // jar xf drops the executable bits.
  run('chmod', ['+x', join(TOOLS.keycloak.path, 'bin/kc.sh'), join(TOOLS.keycloak.path, 'bin/kcadm.sh')]);
}

export function fetchTools(names = Object.keys(TOOLS)) {
  for (const name of names) {
    if (!TOOLS[name]) throw new Error(`unknown tool ${name}; known: ${Object.keys(TOOLS).join(', ')}`);
    if (existsSync(TOOLS[name].path)) {
      console.error(`${name}: cached at ${TOOLS[name].path}`);
      continue;
    }
    TOOLS[name].fetch();
    if (!existsSync(TOOLS[name].path)) throw new Error(`${name}: fetched, but ${TOOLS[name].path} is missing`);
    console.error(`${name}: ready at ${TOOLS[name].path}`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [cmd, ...names] = process.argv.slice(2);
  try {
    if (cmd === 'fetch') fetchTools(names.length ? names : undefined);
    else if (cmd === 'path' && names.length === 1) console.log(toolPath(names[0]));
    else {
      console.error('usage: node scripts/tools.mjs fetch [mailpit|promtool|keycloak ...] | path <name>');
      process.exit(2);
    }
  } catch (err) {
    console.error(`tools: ${err.message}`);
    process.exit(1);
  }
}
