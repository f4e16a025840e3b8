import fs from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { BuiltinAuthority } from '../seals/authority.js';
import { VerifyPool } from '../verification/pool.js';
import type { RevocationSettings } from '../verification/verify-worker.js';
import type { Resources } from './resources.js';

export type Verification = Awaited<ReturnType<typeof composeVerification>>;

async function loadProviderAnchors(files: Record<string, string[]>): Promise<Record<string, string[]>> {
  const entries = await Promise.all(
    Object.entries(files).map(
      async ([provider, paths]) => [provider, await Promise.all(paths.map((file) => fs.readFile(file, 'utf8')))] as const,
    ),
  );
  return Object.fromEntries(entries);
}

/** How PDFs are verified: the roots trusted (ours, configured, per provider), revocation checks, and the worker threads. */
export async function composeVerification(
  config: Config,
  logger: Logger,
  parts: { authority: BuiltinAuthority; publicUrl: string; resources: Resources },
) {
  const extraAnchors = await Promise.all(config.trustAnchorFiles.map((file) => fs.readFile(file, 'utf8')));
  const providerAnchors = await loadProviderAnchors(config.security.providerTrustAnchors);
  // Our own CA's responder is always allowed; other OCSP/CRL origins only by configuration.
  const revocationOrigins = [new URL(parts.publicUrl).origin, ...config.ocspOrigins];
  const revocation: RevocationSettings = {
    mode: config.revocationCheck,
    allowedOrigins: revocationOrigins,
    timeoutMs: config.revocationTimeoutMs,
  };
  // PDF verification off the main thread, with a deadline and bounded memory per job.
  const verifier = new VerifyPool({
    workers: config.verifyWorkers,
    timeoutMs: config.verifyTimeoutMs,
    queueLimit: config.verifyQueueLimit,
    maxMemoryMb: config.verifyMaxMemoryMb,
    limits: {
      maxStreamBytes: config.verifyMaxInflateBytes,
      maxTotalDecodedBytes: Math.max(config.verifyMaxInflateBytes, 4 * config.verifyMaxInflateBytes),
    },
    log: logger,
  });
  parts.resources.add(verifier, (pool) => pool.close());
  return {
    verifier,
    /** Roots for our own signatures: the built-in CA and TRUST_ANCHORS. */
    trustAnchors: async () => [await parts.authority.rootCertificatePem(), ...extraAnchors],
    /** A provider's signature must chain to its own CA (<PROVIDER>_TRUST_ANCHORS), else to TRUST_ANCHORS; never to our built-in CA. */
    providerTrustAnchors: async (provider: string) => (providerAnchors[provider]?.length ? providerAnchors[provider] : extraAnchors),
    revocation,
    revocationOrigins,
  };
}
