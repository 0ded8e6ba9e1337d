// While `oversight serve` owns the embedded database, other CLI commands reach it through its admin
// API. The running service writes where that API is and a random token next to the data directory;
// only a user who can read the data directory can read the token (mode 0600).
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface AdminInfo {
  /** The operations listener (admin API). */
  url: string;
  /** The dashboard, for messages. */
  dashboard?: string;
  token: string;
  pid: number;
}

export function adminFilePath(dataDir: string): string {
  return `${resolve(dataDir)}.serve.json`;
}

export function writeAdminInfo(dataDir: string, info: AdminInfo): void {
  const path = adminFilePath(dataDir);
  writeFileSync(path, JSON.stringify(info), { mode: 0o600 });
  // The mode above applies only when the file is created; a file left by an older run keeps its own.
  chmodSync(path, 0o600);
}

export function removeAdminInfo(dataDir: string): void {
  rmSync(adminFilePath(dataDir), { force: true });
}

/** The admin API of the service running on this data directory, if its process is alive. */
export function findRunningService(dataDir: string): AdminInfo | undefined {
  const path = adminFilePath(dataDir);
  if (!existsSync(path)) return undefined;
  try {
    const info = JSON.parse(readFileSync(path, 'utf8')) as AdminInfo;
    process.kill(info.pid, 0); // throws when no such process
    return info;
  } catch {
    return undefined;
  }
}
