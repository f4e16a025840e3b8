import { decryptPrivateKey, encryptPrivateKey, issueSigningCertificate } from '../pki/index.js';
import type { BuiltinAuthority } from '../seals/authority.js';
import { officialSealSvg, rasterizeSvg } from '../seals/seal-image.js';
import type { Db } from '../store/db.js';

export interface ServiceSigningMaterial {
  privateKeyPem: string;
  certificatePem: string;
  chainPem: string[];
  image: Uint8Array;
}

const NAME = 'service-evidence';
const SERVICE_NAME = 'InfoPlus Signature Service';

/**
 * The service's own signing key, for reports it vouches for (evidence reports): a certificate issued
 * once by the built-in CA and kept, key encrypted with the master key, next to the CA in `authorities`.
 */
export class ServiceKey {
  private cached: Promise<ServiceSigningMaterial> | undefined;

  constructor(
    private readonly db: Db,
    private readonly authority: BuiltinAuthority,
    private readonly masterKey: Buffer,
  ) {}

  material(): Promise<ServiceSigningMaterial> {
    this.cached ??= this.load();
    this.cached.catch(() => (this.cached = undefined));
    return this.cached;
  }

  private async load(): Promise<ServiceSigningMaterial> {
    const ca = await this.authority.get();
    let row = await this.db.selectFrom('authorities').selectAll().where('name', '=', NAME).executeTakeFirst();
    if (!row) {
      const issued = await issueSigningCertificate(ca, {
        commonName: `${SERVICE_NAME} evidence`,
        organization: SERVICE_NAME,
        keyAlgorithm: 'ECDSA-P256',
        validDays: 3650,
      });
      await this.db
        .insertInto('authorities')
        .values({
          name: NAME,
          certificate_pem: issued.certificatePem,
          encrypted_key: encryptPrivateKey(issued.privateKeyPem, this.masterKey, `authority:${NAME}`),
          create_time: Date.now(),
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
      row = await this.db.selectFrom('authorities').selectAll().where('name', '=', NAME).executeTakeFirstOrThrow();
    }
    const image = await rasterizeSvg(officialSealSvg({ organization: 'InfoPlus电子签章服务', kind: '证据报告' }), 240);
    return {
      certificatePem: row.certificate_pem,
      privateKeyPem: decryptPrivateKey(row.encrypted_key, this.masterKey, `authority:${NAME}`),
      chainPem: [ca.certificatePem],
      image,
    };
  }
}
