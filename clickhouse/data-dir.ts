// The embedded data directory holds raw prompts and responses, password hashes and the audit log: it
// and everything created in it are for the service's own OS user only. The process umask becomes 077
// before chDB creates a file (chDB writes from inside this process), and the directory itself is made
// (or, when it already exists from an older version, set to) mode 0700, which closes everything
// beneath it even where older files are still 0644.
import { chmodSync, mkdirSync } from 'node:fs';

export const DATA_DIR_MODE = 0o700;
export const DATA_UMASK = 0o077;

export function prepareDataDir(path: string): void {
  try {
    process.umask(DATA_UMASK);
  } catch {
    // Worker threads cannot change the umask; the directory mode below still closes the data.
  }
  mkdirSync(path, { recursive: true, mode: DATA_DIR_MODE });
  chmodSync(path, DATA_DIR_MODE);
}
