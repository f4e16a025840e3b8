import type { Db } from '../../src/store/db.js';

/** A seal row with only a certificate (no image, no key): enough for the revocation code, which reads certificates. */
export async function insertCertificateOnlySeal(db: Db, id: string, certificatePem: string): Promise<void> {
  await db
    .insertInto('seals')
    .values({
      id,
      name: id,
      type: '公章',
      owner_kind: 'organization',
      owner: '示范大学',
      holders: '[]',
      image_file_id: 'none',
      provider: 'local',
      certificate_pem: certificatePem,
      chain_pem: '[]',
      key_algorithm: 'ECDSA-P256',
      encrypted_key: null,
      provider_ref: '{}',
      disabled: 0,
      create_time: Date.now(),
    } as never)
    .execute();
}
