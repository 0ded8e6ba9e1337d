#!/usr/bin/env node
// A real Apache Kafka broker for development and the integration tests, without Docker or ZooKeeper.
//   node scripts/kafka.mjs fetch   download the broker jars from Maven Central into .cache/kafka/libs
//   node scripts/kafka.mjs start   format a KRaft log dir and start one broker+controller on a free
//                                   loopback port; prints the address and writes .cache/kafka/broker.json
//   node scripts/kafka.mjs stop    stop the broker started by `start`
// Test harnesses import startBroker() instead: it returns { brokers, stop(), restart() } and the broker
// dies with the process that started it (a watchdog kills it even if that process is killed -9).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const KAFKA_VERSION = '3.9.1';
const SLF4J_VERSION = '1.7.36';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const KAFKA_HOME = join(ROOT, '.cache', 'kafka');
const LIBS = join(KAFKA_HOME, 'libs');
const STATE_FILE = join(KAFKA_HOME, 'broker.json');
const BROKER_JAR = `kafka_2.13-${KAFKA_VERSION}.jar`;

export class KafkaSetupError extends Error {}

function requireTool(cmd, args, hint) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new KafkaSetupError(`\`${cmd}\` is required to ${hint} but was not found or failed (${r.error?.message ?? r.stderr?.trim()}). ` +
      `Install it (Debian: apt-get install -y openjdk-17-jre-headless maven).`);
  }
}

/** Downloads the broker jars once; later calls return immediately. */
export function fetchKafka({ log = (l) => console.error(l) } = {}) {
  if (existsSync(join(LIBS, BROKER_JAR))) return LIBS;
  requireTool('java', ['-version'], 'run the Kafka broker');
  requireTool('mvn', ['-v'], 'download the Kafka broker jars from Maven Central');
  mkdirSync(KAFKA_HOME, { recursive: true });
  // A throwaway pom whose only purpose is to let Maven resolve the broker's runtime classpath.
  const pom = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.oversight</groupId><artifactId>kafka-broker</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${KAFKA_VERSION}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>${SLF4J_VERSION}</version></dependency>
  </dependencies>
</project>
`;
  writeFileSync(join(KAFKA_HOME, 'pom.xml'), pom);
  log(`fetching Apache Kafka ${KAFKA_VERSION} jars from Maven Central into ${LIBS} ...`);
  const r = spawnSync(
    'mvn',
    ['-q', '-B', '-f', join(KAFKA_HOME, 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${LIBS}`, '-DincludeScope=runtime'],
    { stdio: 'inherit' },
  );
  if (r.status !== 0 || !existsSync(join(LIBS, BROKER_JAR))) {
    throw new KafkaSetupError(`mvn could not download the Kafka jars (exit ${r.status}); see the output above`);
  }
  log(`fetched ${readdirSync(LIBS).length} jars`);
  return LIBS;
}

export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

/**
 * One Metadata v0 request over a raw socket: true once the broker lists itself, i.e. it is registered
 * with the controller and will accept producers (an open port alone is not enough in KRaft mode).
 */
export function brokerAnswersMetadata(port, timeoutMs = 2000) {
  return new Promise((res) => {
    const clientId = Buffer.from('oversight-probe');
    const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4);
    let o = 0;
    o = body.writeInt16BE(3, o); // api key: Metadata
    o = body.writeInt16BE(0, o); // version 0
    o = body.writeInt32BE(1, o); // correlation id
    o = body.writeInt16BE(clientId.length, o);
    o += clientId.copy(body, o);
    body.writeInt32BE(0, o); // empty topic list = all topics
    const size = Buffer.alloc(4);
    size.writeInt32BE(body.length);
    const sock = createConnection({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    const done = (ok) => {
      sock.destroy();
      res(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.on('error', () => done(false));
    sock.on('connect', () => sock.write(Buffer.concat([size, body])));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 12) return;
      // size(4) correlation(4) brokers-count(4)
      done(buf.readInt32BE(8) >= 1);
    });
  });
}

/**
 * Properties of the optional SASL_SSL listener (issue 14): TLS with a PKCS#12 keystore made at test time,
 * and SASL PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 (SCRAM users are created at format time, see
 * formatStorage). The PLAINTEXT listener stays for the broker itself and the other tests.
 */
function saslSslProperties(sasl) {
  const plainUsers = (sasl.users ?? []).filter((u) => u.mechanism === 'PLAIN').map((u) => `user_${u.name}="${u.password}"`).join(' ');
  return [
    `ssl.keystore.type=PKCS12`,
    `ssl.keystore.location=${sasl.keystore}`,
    `ssl.keystore.password=${sasl.keystorePassword}`,
    'ssl.client.auth=none',
    'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`,
    'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
  ];
}

function writeProperties(dir, port, controllerPort, sasl) {
  const saslListener = sasl ? `,SASL_SSL://127.0.0.1:${sasl.port}` : '';
  const props = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}${saslListener}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}${saslListener}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT${sasl ? ',SASL_SSL:SASL_SSL' : ''}`,
    `log.dirs=${join(dir, 'logs')}`,
    'num.partitions=4',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
    'log.flush.interval.messages=9223372036854775807',
    'num.network.threads=2',
    'num.io.threads=2',
    'background.threads=2',
    'log.cleaner.enable=false',
    ...(sasl ? saslSslProperties(sasl) : []),
  ];
  writeFileSync(join(dir, 'server.properties'), props.join('\n') + '\n');
  writeFileSync(
    join(dir, 'log4j.properties'),
    [
      'log4j.rootLogger=WARN, file',
      'log4j.appender.file=org.apache.log4j.FileAppender',
      `log4j.appender.file.File=${join(dir, 'broker.log')}`,
      'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
      'log4j.logger.kafka=WARN',
      'log4j.logger.org.apache.kafka=WARN',
    ].join('\n') + '\n',
  );
}

/**
 * A KRaft cluster id: 16 random bytes in base64url (22 characters), as Kafka's Uuid.randomUuid() makes
 * them, which also never returns one starting with '-': StorageTool's argument parser would take
 * `-t -…` for an option and fail ("expected one argument"), once in 64 broker starts.
 */
export function newClusterId(bytes = randomBytes) {
  for (;;) {
    const id = bytes(16).toString('base64url').slice(0, 22);
    if (!id.startsWith('-')) return id;
  }
}

function formatStorage(dir, sasl) {
  const clusterId = newClusterId();
  // SCRAM credentials live in the cluster metadata: KRaft creates them with the storage (--add-scram).
  const scram = (sasl?.users ?? [])
    .filter((u) => u.mechanism.startsWith('SCRAM-'))
    .flatMap((u) => ['--add-scram', `${u.mechanism}=[name=${u.name},password=${u.password}]`]);
  const r = spawnSync(
    'java',
    ['-Xmx256m', '-cp', `${LIBS}/*`, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', join(dir, 'server.properties'), ...scram],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new KafkaSetupError(`formatting the KRaft storage failed:\n${r.stdout}\n${r.stderr}`);
}

function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function launch(dir, { detached }) {
  const out = openSync(join(dir, 'broker.out'), 'a');
  const child = spawn(
    'java',
    [
      '-Xmx512m',
      '-Xms128m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-Djava.awt.headless=true',
      `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`,
      '-cp',
      `${LIBS}/*`,
      'kafka.Kafka',
      join(dir, 'server.properties'),
    ],
    { stdio: ['ignore', out, out], detached },
  );
  closeSync(out);
  return child;
}

async function waitUntilReady(port, child, dir, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let exited = null;
  child?.once('exit', (code, signal) => (exited = { code, signal }));
  while (Date.now() < deadline) {
    if (exited) throw new KafkaSetupError(`the Kafka broker exited (${JSON.stringify(exited)}):\n${tail(join(dir, 'broker.out'))}`);
    if (await brokerAnswersMetadata(port)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new KafkaSetupError(`the Kafka broker did not answer on 127.0.0.1:${port} within ${timeoutMs} ms:\n${tail(join(dir, 'broker.out'))}`);
}

/** Kills `pid` when process `ownerPid` is gone, even if the owner was killed -9 and ran no cleanup. */
function startWatchdog(ownerPid, pid) {
  const w = spawn('sh', ['-c', `while kill -0 ${ownerPid} 2>/dev/null && kill -0 ${pid} 2>/dev/null; do sleep 1; done; kill -9 ${pid} 2>/dev/null`], {
    detached: true,
    stdio: 'ignore',
  });
  w.unref();
  return w;
}

function waitExit(child, ms) {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) return res(true);
    const t = setTimeout(() => res(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      res(true);
    });
  });
}

/**
 * Starts a single-node KRaft broker owned by this process.
 * @returns {Promise<{brokers: string, saslSslBrokers?: string, port: number, dir: string, stop(): Promise<void>, kill(): Promise<void>, restart(): Promise<void>}>}
 */
export async function startBroker({ dir, timeoutMs = 90_000, log = () => {}, saslSsl } = {}) {
  fetchKafka({ log });
  requireTool('java', ['-version'], 'run the Kafka broker');
  const ownDir = !dir;
  dir ??= mkdtempSync(join(tmpdir(), 'oversight-kafka-'));
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const controllerPort = await freePort();
  // saslSsl: { keystore, keystorePassword, users: [{ mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512', name, password }] }
  const sasl = saslSsl ? { ...saslSsl, port: await freePort() } : undefined;
  writeProperties(dir, port, controllerPort, sasl);
  formatStorage(dir, sasl);

  let child = null;
  let watchdog = null;
  const onExit = () => child?.kill('SIGKILL');
  process.on('exit', onExit);

  const boot = async () => {
    child = launch(dir, { detached: false });
    watchdog = startWatchdog(process.pid, child.pid);
    await waitUntilReady(port, child, dir, timeoutMs);
  };
  const halt = async (signal) => {
    if (!child) return;
    const c = child;
    child = null;
    c.kill(signal);
    if (!(await waitExit(c, 20_000))) {
      c.kill('SIGKILL');
      await waitExit(c, 5_000);
    }
    watchdog?.kill('SIGKILL');
  };

  try {
    await boot();
  } catch (err) {
    await halt('SIGKILL');
    throw err;
  }
  log(`Kafka ${KAFKA_VERSION} broker on 127.0.0.1:${port} (data ${dir})`);
  return {
    brokers: `127.0.0.1:${port}`,
    /** The SASL_SSL listener, when started with saslSsl. */
    saslSslBrokers: sasl ? `127.0.0.1:${sasl.port}` : undefined,
    port,
    dir,
    pid: () => child?.pid,
    /** Graceful stop (SIGTERM) of the broker, keeping its data, e.g. to test an outage. */
    async pause() {
      await halt('SIGTERM');
    },
    /** Starts the broker again on the same port with the same data. */
    async restart() {
      await halt('SIGTERM');
      await boot();
    },
    async stop() {
      await halt('SIGTERM');
      process.off('exit', onExit);
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function cli(cmd) {
  switch (cmd) {
    case 'fetch':
      fetchKafka();
      console.log(LIBS);
      return;
    case 'start': {
      if (existsSync(STATE_FILE)) {
        const s = JSON.parse(readFileSync(STATE_FILE, 'utf8'));
        if (isAlive(s.pid) && (await brokerAnswersMetadata(s.port))) {
          console.log(s.brokers);
          console.error(`a broker is already running (pid ${s.pid}); KAFKA_BROKERS=${s.brokers}`);
          return;
        }
      }
      fetchKafka();
      const dir = join(KAFKA_HOME, 'run');
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const port = await freePort();
      writeProperties(dir, port, await freePort());
      formatStorage(dir);
      // Detached: this broker outlives the command; `stop` ends it.
      const child = launch(dir, { detached: true });
      child.unref();
      await waitUntilReady(port, child, dir, 90_000);
      const state = { pid: child.pid, port, brokers: `127.0.0.1:${port}`, dir };
      writeFileSync(STATE_FILE, JSON.stringify(state, null, 2) + '\n');
      console.log(state.brokers);
      console.error(`Kafka ${KAFKA_VERSION} broker running (pid ${child.pid}); export KAFKA_BROKERS=${state.brokers}; stop it with \`npm run kafka stop\``);
      return;
    }
    case 'stop': {
      if (!existsSync(STATE_FILE)) {
        console.error('no broker started by `kafka.mjs start` is recorded');
        return;
      }
      const s = JSON.parse(readFileSync(STATE_FILE, 'utf8'));
      if (isAlive(s.pid)) {
        process.kill(s.pid, 'SIGTERM');
        const deadline = Date.now() + 20_000;
        while (isAlive(s.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
        if (isAlive(s.pid)) process.kill(s.pid, 'SIGKILL');
      }
      rmSync(STATE_FILE, { force: true });
      console.error(`stopped the broker (pid ${s.pid})`);
      return;
    }
    default:
      console.error('usage: node scripts/kafka.mjs fetch | start | stop');
      process.exit(2);
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv[2]).catch((err) => {
    console.error(`kafka: ${err instanceof KafkaSetupError ? err.message : err.stack}`);
    process.exit(1);
  });
}
