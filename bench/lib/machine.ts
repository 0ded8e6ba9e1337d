// What the figures were measured on: they only mean something next to the machine that produced them.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';

export interface MachineInfo {
  cpu_model: string;
  cores: number;
  memory_gb: number;
  os: string;
  node: string;
  chdb_npm: string;
  clickhouse: string;
  kafkajs: string;
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    /* not Linux: fall back to os.cpus() */
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

function packageVersion(name: string): string {
  try {
    const require = createRequire(import.meta.url);
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Cores this process may use (cgroup/affinity aware where Node knows it). */
function usableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

export function machineInfo(clickhouseVersion: string): MachineInfo {
  return {
    cpu_model: cpuModel(),
    cores: usableCores(),
    memory_gb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    chdb_npm: packageVersion('chdb'),
    clickhouse: clickhouseVersion,
    kafkajs: packageVersion('kafkajs'),
  };
}
