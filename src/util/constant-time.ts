import { createHash, timingSafeEqual } from 'node:crypto';

/** Compares two secrets in time independent of where they differ (and of their lengths). */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** True when `given` equals any of `candidates`; always compares against every candidate. */
export function secretInList(given: string, candidates: readonly string[]): boolean {
  let found = false;
  for (const candidate of candidates) found = secretsEqual(given, candidate) || found;
  return found;
}
