import { sql } from 'kysely';
import { type Db, isPostgres } from './db.js';
import type { Signature } from '../contract/index.js';
import { fileRow, type StoredFile } from './files.js';

export interface SignatureRecord {
  signature: Signature;
  version: number;
  updateTime: number;
}

/** Fields derived at read time; never part of the stored body. */
function storedBody(signature: Signature): string {
  const { state: _state, version: _version, updateTime: _updateTime, ...body } = signature;
  return JSON.stringify(body);
}

/**
 * Signatures as JSON documents with a version for optimistic concurrency, plus the set of files each
 * one has ever referenced (a referenced file cannot be deleted; references accumulate so earlier
 * revisions stay retrievable).
 */
/** Runs inside the transaction of every Signature write (audit entries, the webhook outbox). */
export type SignatureWriteHook = (
  trx: Db,
  change: { before?: Signature; after: Signature; version: number; cause: string },
) => Promise<void>;

export class SignatureRepository {
  private writeHook: SignatureWriteHook | undefined;

  constructor(private readonly db: Db) {}

  onWrite(hook: SignatureWriteHook): void {
    this.writeHook = hook;
  }

  async get(id: string): Promise<SignatureRecord | undefined> {
    const row = await this.db.selectFrom('signatures').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    return { signature: JSON.parse(row.body) as Signature, version: Number(row.version), updateTime: Number(row.update_time) };
  }

  async insert(signature: Signature, fileIds: string[], cause = 'created'): Promise<SignatureRecord> {
    const now = Date.now();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('signatures')
        .values({ id: signature.id, body: storedBody(signature), version: 1, create_time: signature.createTime, update_time: now })
        .execute();
      await this.addReferences(trx, signature.id, fileIds);
      await this.writeHook?.(trx, { after: signature, version: 1, cause });
    });
    return { signature, version: 1, updateTime: now };
  }

  /**
   * Writes a new body if the stored version is still `expectedVersion`; undefined on a lost race.
   * `newFiles`: rows of files this write is the first to reference, inserted in the same commit.
   */
  async replace(
    signature: Signature,
    expectedVersion: number,
    fileIds: string[],
    change: { before?: Signature; cause: string } = { cause: 's2' },
    newFiles: StoredFile[] = [],
  ): Promise<SignatureRecord | undefined> {
    const now = Date.now();
    const written = await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('signatures')
        .set({ body: storedBody(signature), version: expectedVersion + 1, update_time: now })
        .where('id', '=', signature.id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      if (newFiles.length > 0) await trx.insertInto('files').values(newFiles.map(fileRow)).execute();
      await this.addReferences(trx, signature.id, fileIds);
      await this.writeHook?.(trx, { before: change.before, after: signature, version: expectedVersion + 1, cause: change.cause });
      return true;
    });
    return written ? { signature, version: expectedVersion + 1, updateTime: now } : undefined;
  }

  private async addReferences(trx: Db, signatureId: string, fileIds: string[]): Promise<void> {
    const unique = [...new Set(fileIds)].sort();
    if (unique.length === 0) return;
    // PostgreSQL: a concurrent DELETE /file holds the row lock while it checks references; wait for it.
    if (isPostgres(trx)) await trx.selectFrom('files').select('id').where('id', 'in', unique).orderBy('id').forShare().execute();
    await trx
      .insertInto('signature_files')
      .values(unique.map((fileId) => ({ signature_id: signatureId, file_id: fileId })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async references(signatureId: string, fileId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('signature_files')
      .select('file_id')
      .where('signature_id', '=', signatureId)
      .where('file_id', '=', fileId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('signatures')
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
