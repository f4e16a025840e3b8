// Re-keying a seal: the built-in CA issues a new key and certificate; the old certificate is kept
// (listed, and answered for by the CRL and the OCSP responder), so what was signed with it still verifies.
import { DomainError, notFound } from '../errors.js';
import { encryptPrivateKey, issueSigningCertificate } from '../pki/index.js';
import { x509 } from '../pki/webcrypto.js';
import type { Db } from '../store/db.js';
import type { SealRecord, SealRepository } from '../store/seals.js';
import type { BuiltinAuthority } from './authority.js';
import { type CertificateRevocation, type CertificateStatus, normalizeSerial, type RevocationReason } from './revocation.js';

export type RekeyAlgorithm = 'ECDSA-P256' | 'RSA-2048';

export interface RekeyInput {
  keyAlgorithm?: RekeyAlgorithm;
  /** Also revoke the previous certificate with this reason (e.g. keyCompromise); it stays good otherwise. */
  revokePrevious?: RevocationReason;
}

export interface SealCertificate {
  serial: string;
  certificatePem: string;
  notBefore: string;
  notAfter: string;
  keyAlgorithm: string | null;
  current: boolean;
  /** When a re-key replaced it (ISO 8601); null for the current certificate. */
  retiredAt: string | null;
  status: CertificateStatus;
}

export class SealRekeying {
  constructor(
    private readonly db: Db,
    private readonly repo: SealRepository,
    private readonly authority: BuiltinAuthority,
    private readonly revocation: CertificateRevocation,
    private readonly masterKey: Buffer,
  ) {}

  async rekey(sealId: string, input: RekeyInput): Promise<{ seal: SealRecord; previousSerial: string }> {
    const seal = await this.repo.get(sealId);
    if (!seal) throw notFound('seal', sealId);
    const previousPem = seal.certificatePem;
    if (seal.provider !== 'local' || !previousPem) {
      throw new DomainError('SEAL_HAS_NO_CERTIFICATE', 'This seal has no certificate of ours to re-key (it is signed by its provider).');
    }
    const previous = new x509.X509Certificate(previousPem);
    if (!(await this.revocation.issuedHere(previous))) {
      throw new DomainError(
        'REKEY_NOT_BUILTIN',
        "This seal's certificate comes from another CA (an imported PKCS#12); register a new bundle from that CA instead.",
      );
    }
    const keyAlgorithm: RekeyAlgorithm = input.keyAlgorithm ?? (seal.keyAlgorithm === 'RSA-2048' ? 'RSA-2048' : 'ECDSA-P256');
    const issued = await issueSigningCertificate(await this.authority.get(), {
      commonName: seal.name,
      organization: seal.ownerKind === 'organization' ? seal.owner : undefined,
      keyAlgorithm,
      validDays: 3 * 365,
      revocationUrls: this.authority.revocationUrls(),
    });
    const previousSerial = normalizeSerial(previous.serialNumber);
    const replaced = await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('seal_certificates')
        .values({
          serial: previousSerial,
          seal_id: seal.id,
          certificate_pem: previousPem,
          chain_pem: JSON.stringify(seal.chainPem),
          key_algorithm: seal.keyAlgorithm,
          retired_at: Date.now(),
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
      const next = {
        certificatePem: issued.certificatePem,
        chainPem: issued.chainPem,
        keyAlgorithm,
        encryptedKey: encryptPrivateKey(issued.privateKeyPem, this.masterKey, `seal:${seal.id}`),
      };
      if (!(await this.repo.replaceKey(seal.id, previousPem, next, trx)))
        throw new DomainError('SEAL_REKEY_CONFLICT', 'The seal was re-keyed by another request meanwhile; reload it.');
      return true;
    });
    if (replaced && input.revokePrevious) await this.revocation.revoke(seal.id, previousPem, input.revokePrevious, new Date());
    return { seal: (await this.repo.get(seal.id))!, previousSerial };
  }

  /** Every certificate the seal has held, the current one first, each with its revocation status. */
  async certificates(sealId: string): Promise<SealCertificate[]> {
    const seal = await this.repo.get(sealId);
    if (!seal) throw notFound('seal', sealId);
    const retired = await this.db
      .selectFrom('seal_certificates')
      .selectAll()
      .where('seal_id', '=', sealId)
      .orderBy('retired_at', 'desc')
      .execute();
    const entries = [
      ...(seal.certificatePem ? [{ pem: seal.certificatePem, keyAlgorithm: seal.keyAlgorithm, retiredAt: null }] : []),
      ...retired.map((row) => ({
        pem: row.certificate_pem,
        keyAlgorithm: row.key_algorithm,
        retiredAt: new Date(Number(row.retired_at)).toISOString(),
      })),
    ];
    return Promise.all(
      entries.map(async (entry) => {
        const certificate = new x509.X509Certificate(entry.pem);
        const serial = normalizeSerial(certificate.serialNumber);
        return {
          serial,
          certificatePem: entry.pem,
          notBefore: certificate.notBefore.toISOString(),
          notAfter: certificate.notAfter.toISOString(),
          keyAlgorithm: entry.keyAlgorithm,
          current: entry.retiredAt === null,
          retiredAt: entry.retiredAt,
          status: await this.revocation.status(serial),
        };
      }),
    );
  }
}
