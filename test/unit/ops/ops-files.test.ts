// The files an operator loads: Prometheus alerting rules (checked and unit-tested on synthetic series by
// promtool, built once by scripts/tools.mjs) and the systemd unit (systemd-analyze verify). Every metric
// a rule reads must be one the product exports, so a renamed metric cannot silently disarm an alert.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
// @ts-expect-error: plain ESM script without types
import { toolPath } from '../../../scripts/tools.mjs';
import { newClusterId } from '../../../scripts/kafka.mjs';
import { metricsText } from '../../../service/metrics-endpoint.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const RULES = join(ROOT, 'deploy/prometheus/oversight-rules.yml');
const UNIT = join(ROOT, 'deploy/systemd/oversight.service');
const INGEST_UNIT = join(ROOT, 'deploy/systemd/oversight-ingest.service');

function run(cmd: string, args: string[], cwd = ROOT) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('Prometheus alerting rules', () => {
  it('pass promtool check rules', () => {
    const r = run(toolPath('promtool'), ['check', 'rules', RULES]);
    expect(r.out).toContain('SUCCESS: 10 rules found');
    expect(r.status).toBe(0);
  });

  it('pass their unit tests on synthetic series (promtool test rules)', () => {
    const r = run(toolPath('promtool'), ['test', 'rules', 'oversight-rules.test.yml'], join(ROOT, 'deploy/prometheus'));
    expect(r.out).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });

  it('fail their unit tests when a rule is disarmed (the tests can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oversight-rules-'));
    writeFileSync(join(dir, 'oversight-rules.yml'), readFileSync(RULES, 'utf8').replace('[15m])) > 100\n', '[15m])) > 100000\n'));
    copyFileSync(join(ROOT, 'deploy/prometheus/oversight-rules.test.yml'), join(dir, 'oversight-rules.test.yml'));
    const r = run(toolPath('promtool'), ['test', 'rules', 'oversight-rules.test.yml'], dir);
    expect(r.status).not.toBe(0);
    expect(r.out).toMatch(/FAILED[\s\S]*OversightDLQGrowing/);
  });

  it('read only metrics that /metrics exports', async () => {
    const used = new Set([...readFileSync(RULES, 'utf8').matchAll(/\b(oversight_[a-z_]+)\{/g)].map((m) => m[1]!));
    const { body } = await metricsText();
    const exported = new Set([...body.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    const missing = [...used].filter((m) => !exported.has(m));
    expect(used.size).toBeGreaterThanOrEqual(8);
    expect(missing).toEqual([]);
  });
});

describe('systemd units', () => {
  it.each([UNIT, INGEST_UNIT])('%s passes systemd-analyze verify without warnings', (unit) => {
    const r = run('systemd-analyze', ['verify', unit]);
    expect(r.out.trim()).toBe('');
    expect(r.status).toBe(0);
  });

  it('the separate ingester runs `oversight ingest` with the heap flags and in-flight window the bench measures', async () => {
    const unit = readFileSync(INGEST_UNIT, 'utf8');
    const { INGESTER_UNIT_ENV } = await import('../../../bench/sections/memory.ts');
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/oversight\/bin\/oversight\.mjs ingest$/m);
    expect(unit).toContain(`Environment="NODE_OPTIONS=${INGESTER_UNIT_ENV.NODE_OPTIONS}"`);
    expect(unit).toContain(`Environment=INGEST_MAX_IN_FLIGHT_BYTES=${INGESTER_UNIT_ENV.INGEST_MAX_IN_FLIGHT_BYTES}`);
    expect(unit).not.toMatch(/^StateDirectory=/m);
  });

  it.each([
    [UNIT, ['StateDirectoryMode=0700']],
    [INGEST_UNIT, []],
  ])('%s is hardened: own user, read-only system, no new privileges, restart on failure', (path, extra) => {
    const unit = readFileSync(path, 'utf8');
    for (const line of ['User=oversight', 'ProtectSystem=strict', 'NoNewPrivileges=yes', 'Restart=on-failure', 'UMask=0077', 'RestartPreventExitStatus=2', ...extra]) {
      expect(unit).toMatch(new RegExp(`^${line}$`, 'm'));
    }
  });
});

describe('the test broker (scripts/kafka.mjs)', () => {
  it('never gives StorageTool a cluster id that starts with "-" (its parser would take it for an option)', () => {
    // 0xf8 encodes as '-' first in base64url; the second draw must be used instead.
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x00)];
    const id = newClusterId(() => draws.shift()!);
    expect(id).toBe('A'.repeat(22));
    expect(draws).toHaveLength(0);
    for (let i = 0; i < 2000; i++) expect(newClusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });
});

