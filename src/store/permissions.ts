import fs from 'node:fs';
import path from 'node:path';

/** Files of the data directory that hold secrets or everything: readable by the service's user only. */
const PRIVATE_FILES = ['signature.db', 'signature.db-wal', 'signature.db-shm', 'secrets.json'];

/**
 * The data directory is `0700` and its database and `secrets.json` `0600`, whatever the umask. The
 * database file is created `0600` before SQLite opens it (SQLite gives its -wal and -shm files the
 * database's mode), and modes from before are tightened on every start.
 */
export function hardenDataDir(dataDir: string): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dataDir, 0o700);
  fs.closeSync(fs.openSync(path.join(dataDir, 'signature.db'), 'a', 0o600));
  for (const name of PRIVATE_FILES) {
    try {
      fs.chmodSync(path.join(dataDir, name), 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}
