// Archive renewal (PAdES B-LTA): a document timestamp proves the document existed at its time only
// while its TSA certificate is valid. Before the last one's TSA certificate expires (within the
// horizon), the DSS gains the validation data of that TSA's chain and a new document timestamp
// covers everything, so the chain of proof continues. Runs on one instance (the leader); writes the
// new revision through the FileAPI and S2 with the Signature's version, as a stamp does, so a crash
// or a concurrent stamp leaves the stored document as it was.
import * as pkijs from 'pkijs';
import type { Logger } from 'pino';
import { addLongTermValidation, type ValidationData } from '../pdf/pades/index.js';
import type { TsaOptions } from '../pdf/pades/tsa.js';
import { type SignatureReport, urlsOf, verifyPdf } from '@infoplus/pdf-verify';
import { x509 } from '../pki/webcrypto.js';
import type { Leadership } from '../scale/leadership.js';
import { type EngineApi, EngineApiError } from './engine-client.js';
import type { Db } from '../store/db.js';
import type { PdfVerifier } from '../verification/pool.js';

const DAY = 86_400_000;
const DOCUMENT_TIMESTAMP = 'ETSI.RFC3161';
const OID_CRL_DISTRIBUTION_POINTS = '2.5.29.31';
/** Tracked documents looked at per pass (the rest wait for the next one). */
const BATCH = 100;

/** The advisory-lock key of the archive-renewal job ("sigt"). */
export const ARCHIVE_RENEWAL_LOCK = 0x7369_6774;

export type RenewalOutcome =
  | 'renewed'
  /** The last document timestamp's TSA certificate is valid beyond the horizon. */
  | 'not-due'
  /** Renewed already with the TSA certificate that is about to expire: only a new TSA certificate helps. */
  | 'waiting-for-new-tsa-certificate'
  /** The Signature is gone or its current document has no document timestamp: no longer tracked. */
  | 'untracked'
  /** The last document timestamp does not verify: renewing would hide that, so it is left alone. */
  | 'invalid'
  /** The Signature changed meanwhile (a stamp); the next pass looks again. */
  | 'conflict';

export interface ArchiveRenewalOptions {
  db: Db;
  engine: EngineApi;
  tsa: TsaOptions;
  horizonDays: number;
  intervalMs: number;
  log: Logger;
  /** With several instances only the leader renews (see scale/leadership.ts). */
  leadership: Leadership;
  /** Verifies off the main thread (the worker pool); verifyPdf in-thread when absent. */
  verifier?: PdfVerifier;
  /** OCSP responses and CRLs for the TSA chain, where they can be had (allow-listed origins only). */
  tsaRevocationData?: (certificates: Uint8Array[]) => Promise<Pick<ValidationData, 'ocsps' | 'crls'>>;
}

export class ArchiveRenewal {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<Map<string, RenewalOutcome>> | null = null;

  constructor(private readonly options: ArchiveRenewalOptions) {}

  /** Starts tracking a Signature whose document is B-LTA; the next pass reads its timestamp. */
  async track(signatureId: string): Promise<void> {
    const now = Date.now();
    await this.options.db
      .insertInto('archive_renewals')
      .values({ signature_id: signatureId, tsa_not_after: 0, renewals: 0, checked_at: 0, create_time: now })
      .onConflict((oc) => oc.column('signature_id').doUpdateSet({ tsa_not_after: 0 }))
      .execute();
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
    this.timer.unref();
    void this.tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
    await this.options.leadership.release();
  }

  private async tick(): Promise<void> {
    if ((await this.options.leadership.acquire()) === 'no') return;
    await this.runOnce().catch((error) => this.options.log.error({ err: error }, 'archive renewal pass failed'));
  }

  /** One pass over the documents due (also for tests): what happened to each. */
  runOnce(): Promise<Map<string, RenewalOutcome>> {
    this.running ??= this.pass().finally(() => (this.running = null));
    return this.running;
  }

  private async pass(): Promise<Map<string, RenewalOutcome>> {
    const due = await this.options.db
      .selectFrom('archive_renewals')
      .select('signature_id')
      .where('tsa_not_after', '<=', Date.now() + this.horizonMs())
      .orderBy('checked_at')
      .limit(BATCH)
      .execute();
    const outcomes = new Map<string, RenewalOutcome>();
    for (const { signature_id: id } of due) {
      try {
        outcomes.set(id, await this.renew(id));
      } catch (error) {
        this.options.log.warn({ err: error, signatureId: id }, 'archive renewal failed; retried next pass');
        await this.options.db.updateTable('archive_renewals').set({ checked_at: Date.now() }).where('signature_id', '=', id).execute();
      }
    }
    return outcomes;
  }

  private horizonMs(): number {
    return this.options.horizonDays * DAY;
  }

  /** Renews one tracked Signature's document if its last document timestamp is due. */
  async renew(signatureId: string): Promise<RenewalOutcome> {
    const { engine, log, db } = this.options;
    let signature;
    try {
      signature = await engine.getSignature(signatureId);
    } catch (error) {
      if (error instanceof EngineApiError && error.code === 'SIGNATURE_NOT_FOUND') return this.untrack(signatureId);
      throw error;
    }
    if (!signature.uri) return this.untrack(signatureId);
    const pdf = await engine.downloadFile(signature.uri);
    const before = await this.verify(pdf);
    const last = lastDocumentTimestamp(before.signatures);
    if (!last?.signerCertificatePem) return this.untrack(signatureId);
    const expires = new x509.X509Certificate(last.signerCertificatePem).notAfter;
    const note = (values: { tsa_not_after?: number; renewals?: number } = {}) =>
      db
        .updateTable('archive_renewals')
        .set({ ...values, checked_at: Date.now() })
        .where('signature_id', '=', signatureId)
        .execute();
    if (expires.getTime() - this.horizonMs() > Date.now()) {
      await note({ tsa_not_after: expires.getTime() });
      return 'not-due';
    }
    if (!last.valid) {
      log.error(
        { signatureId, field: last.field, problems: last.problems },
        'the last document timestamp does not verify; not renewing it',
      );
      await note({ tsa_not_after: expires.getTime() });
      return 'invalid';
    }
    if (renewedWithSameCertificate(before.signatures)) {
      log.warn(
        { signatureId, tsaCertificateExpires: expires.toISOString() },
        'archive timestamp already renewed with this TSA certificate; renewing again needs the TSA to use a new certificate',
      );
      await note({ tsa_not_after: expires.getTime() });
      return 'waiting-for-new-tsa-certificate';
    }

    const certificates = tokenCertificates(Buffer.from(last.cms!, 'base64'));
    const revocation = (await this.options.tsaRevocationData?.(certificates)) ?? { ocsps: [], crls: [] };
    const renewed = await addLongTermValidation(pdf, { certificates, ...revocation }, this.options.tsa);
    // Never store a document whose new timestamp does not verify.
    const added = lastDocumentTimestamp((await this.verify(renewed)).signatures);
    if (
      !added?.valid ||
      !added.signerCertificatePem ||
      added.byteRange.length !== 4 ||
      added.byteRange[2] + added.byteRange[3] !== renewed.length
    ) {
      throw new Error('The renewed document timestamp does not verify; the document was left as it was.');
    }
    const revision = await engine.uploadFile(renewed, signature.name || 'document.pdf');
    try {
      await engine.putSignature(signatureId, { version: signature.version, uri: revision.uri });
    } catch (error) {
      if (error instanceof EngineApiError && error.code === 'VERSION_CONFLICT') return 'conflict';
      throw error;
    }
    const next = new x509.X509Certificate(added.signerCertificatePem).notAfter;
    const row = await db.selectFrom('archive_renewals').select('renewals').where('signature_id', '=', signatureId).executeTakeFirst();
    await note({ tsa_not_after: next.getTime(), renewals: Number(row?.renewals ?? 0) + 1 });
    log.info(
      {
        signatureId,
        revision: revision.id,
        previousTsaCertificateExpires: expires.toISOString(),
        tsaCertificateExpires: next.toISOString(),
        at: added.signedAt,
      },
      'archive timestamp renewed (B-LTA)',
    );
    return 'renewed';
  }

  private async untrack(signatureId: string): Promise<RenewalOutcome> {
    await this.options.db.deleteFrom('archive_renewals').where('signature_id', '=', signatureId).execute();
    this.options.log.info({ signatureId }, 'archive renewal: the document has no document timestamp any more; no longer tracked');
    return 'untracked';
  }

  private verify(pdf: Uint8Array) {
    return this.options.verifier ? this.options.verifier.verify(pdf, { trustAnchorsPem: [] }) : verifyPdf(pdf, { trustAnchorsPem: [] });
  }
}

function lastDocumentTimestamp(signatures: SignatureReport[]): SignatureReport | undefined {
  return signatures.filter((signature) => signature.subFilter === DOCUMENT_TIMESTAMP).at(-1);
}

/** The last two signatures are document timestamps by one TSA certificate: a renewal made with it. */
function renewedWithSameCertificate(signatures: SignatureReport[]): boolean {
  const [previous, last] = signatures.slice(-2);
  if (!previous || previous.subFilter !== DOCUMENT_TIMESTAMP || last.subFilter !== DOCUMENT_TIMESTAMP) return false;
  const key = (pem: string | null) => (pem ?? '').replace(/\s+/g, '');
  return key(previous.signerCertificatePem) === key(last.signerCertificatePem);
}

/** The certificates a timestamp token carries (the TSA certificate and, often, its chain). */
function tokenCertificates(token: Uint8Array): Uint8Array[] {
  const signed = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(new Uint8Array(token)).content });
  return (signed.certificates ?? [])
    .filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate)
    .map((c) => new Uint8Array(c.toSchema().toBER(false)));
}

/** CRLs named by the certificates' distribution points, fetched from allow-listed origins only. */
export async function fetchAllowedCrls(
  certificates: Uint8Array[],
  allowedOrigins: string[],
  timeoutMs: number,
): Promise<Pick<ValidationData, 'ocsps' | 'crls'>> {
  const crls: Uint8Array[] = [];
  for (const der of certificates) {
    for (const url of urlsOf(pkijs.Certificate.fromBER(new Uint8Array(der)), OID_CRL_DISTRIBUTION_POINTS)) {
      if (!allowedOrigins.includes(new URL(url).origin)) continue;
      const response = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(timeoutMs) }).catch(() => undefined);
      if (response?.ok) {
        crls.push(new Uint8Array(await response.arrayBuffer()));
        break;
      }
    }
  }
  return { ocsps: [], crls };
}
