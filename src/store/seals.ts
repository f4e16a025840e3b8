import type { Db } from './db.js';
import type { SealsTable } from './schema.js';

export type OwnerKind = 'organization' | 'person';

/** A registered seal as the API shows it: never its private key. */
export interface SealRecord {
  id: string;
  name: string;
  type: string;
  ownerKind: OwnerKind;
  owner: string;
  holders: string[];
  imageFileId: string;
  provider: string;
  certificatePem: string | null;
  chainPem: string[];
  keyAlgorithm: string | null;
  providerRef: Record<string, unknown>;
  disabled: boolean;
  createTime: number;
  /** Stamps with this seal are B-LTA (true) or not (false); null follows the global LTV setting. */
  ltv: boolean | null;
}

export interface NewSeal extends Omit<SealRecord, 'disabled' | 'createTime' | 'ltv'> {
  ltv?: boolean | null;
  /** The PKCS#8 private key, already encrypted with the master key (for the local signer). */
  encryptedKey: string | null;
}

function toRecord(row: SealsTable): SealRecord {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    ownerKind: row.owner_kind as OwnerKind,
    owner: row.owner,
    holders: JSON.parse(row.holders) as string[],
    imageFileId: row.image_file_id,
    provider: row.provider,
    certificatePem: row.certificate_pem,
    chainPem: JSON.parse(row.chain_pem) as string[],
    keyAlgorithm: row.key_algorithm,
    providerRef: JSON.parse(row.provider_ref) as Record<string, unknown>,
    disabled: row.disabled === 1,
    createTime: Number(row.create_time),
    ltv: row.ltv === null || row.ltv === undefined ? null : row.ltv === 1,
  };
}

export class SealRepository {
  constructor(private readonly db: Db) {}

  async insert(seal: NewSeal): Promise<SealRecord> {
    const row: SealsTable = {
      id: seal.id,
      name: seal.name,
      type: seal.type,
      owner_kind: seal.ownerKind,
      owner: seal.owner,
      holders: JSON.stringify(seal.holders),
      image_file_id: seal.imageFileId,
      provider: seal.provider,
      certificate_pem: seal.certificatePem,
      chain_pem: JSON.stringify(seal.chainPem),
      key_algorithm: seal.keyAlgorithm,
      encrypted_key: seal.encryptedKey,
      provider_ref: JSON.stringify(seal.providerRef),
      disabled: 0,
      create_time: Date.now(),
      ltv: ltvColumn(seal.ltv ?? null),
    };
    await this.db.insertInto('seals').values(row).execute();
    return toRecord(row);
  }

  async list(): Promise<SealRecord[]> {
    const rows = await this.db.selectFrom('seals').selectAll().orderBy('create_time').orderBy('id').execute();
    return rows.map(toRecord);
  }

  async get(id: string): Promise<SealRecord | undefined> {
    const row = await this.db.selectFrom('seals').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRecord(row) : undefined;
  }

  /** The encrypted private key, for the signer only. */
  async encryptedKey(id: string): Promise<string | null> {
    const row = await this.db.selectFrom('seals').select('encrypted_key').where('id', '=', id).executeTakeFirst();
    return row?.encrypted_key ?? null;
  }

  /** Compare-and-set of the encrypted key (a key migration racing another instance writes once). */
  async replaceEncryptedKey(id: string, previous: string, next: string): Promise<boolean> {
    const result = await this.db
      .updateTable('seals')
      .set({ encrypted_key: next })
      .where('id', '=', id)
      .where('encrypted_key', '=', previous)
      .executeTakeFirst();
    return Number(result.numUpdatedRows ?? 0n) === 1;
  }

  async setDisabled(id: string, disabled: boolean): Promise<SealRecord | undefined> {
    await this.db
      .updateTable('seals')
      .set({ disabled: disabled ? 1 : 0 })
      .where('id', '=', id)
      .execute();
    return this.get(id);
  }

  async setLtv(id: string, ltv: boolean | null): Promise<SealRecord | undefined> {
    await this.db
      .updateTable('seals')
      .set({ ltv: ltvColumn(ltv) })
      .where('id', '=', id)
      .execute();
    return this.get(id);
  }

  /** Compare-and-set of the key and certificate (a re-key racing another one writes once). */
  async replaceKey(
    id: string,
    previousCertificatePem: string,
    next: { certificatePem: string; chainPem: string[]; keyAlgorithm: string; encryptedKey: string },
    trx: Db = this.db,
  ): Promise<boolean> {
    const result = await trx
      .updateTable('seals')
      .set({
        certificate_pem: next.certificatePem,
        chain_pem: JSON.stringify(next.chainPem),
        key_algorithm: next.keyAlgorithm,
        encrypted_key: next.encryptedKey,
      })
      .where('id', '=', id)
      .where('certificate_pem', '=', previousCertificatePem)
      .executeTakeFirst();
    return Number(result.numUpdatedRows ?? 0n) === 1;
  }

  async setProviderRef(id: string, providerRef: Record<string, unknown>): Promise<void> {
    await this.db
      .updateTable('seals')
      .set({ provider_ref: JSON.stringify(providerRef) })
      .where('id', '=', id)
      .execute();
  }

  async count(): Promise<number> {
    const rows = await this.db.selectFrom('seals').select('id').execute();
    return rows.length;
  }
}

function ltvColumn(ltv: boolean | null): number | null {
  return ltv === null ? null : ltv ? 1 : 0;
}
