import { spawnSync } from 'node:child_process';
import type { Logger } from 'pino';

let probed: string[] | undefined;

/**
 * The command prefix that starts soffice without network access: `unshare -n` (a new, empty network
 * namespace; unshare execs the program, so its pid and process group stay soffice's own). Probed
 * once; where the OS does not allow it (no unshare, no CAP_SYS_ADMIN, no user namespaces) soffice
 * runs with the host network and a warning says so — the sanitizer and the hardened profile remain.
 */
export function networkIsolation(log: Logger): string[] {
  if (probed) return probed;
  for (const candidate of [
    ['unshare', '-n'],
    ['unshare', '-rn'],
  ]) {
    const result = spawnSync(candidate[0], [...candidate.slice(1), 'true'], { timeout: 5000, stdio: 'ignore' });
    if (result.status === 0) return (probed = candidate);
  }
  log.warn('LibreOffice runs WITH network access: a network namespace (unshare -n) is not available here');
  return (probed = []);
}
