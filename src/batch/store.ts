import type { Kysely } from 'kysely';
import type { Db } from '../store/db.js';

/** `open` until the approver confirms, `running` while items are stamped, then `done`. */
export type BatchState = 'open' | 'running' | 'done';
/** `refused` items were never attempted (duplicate, not stampable by this account, unknown slot). */
export type ItemState = 'pending' | 'running' | 'stamped' | 'failed' | 'refused';

export interface BatchItem {
  position: number;
  signatureId: string;
  sealIndex: number;
  /** The Signature version the approver is shown (at issuance, then after each of our own stamps on it). */
  version: number;
  name: string;
  state: ItemState;
  ecode: string;
  message: string;
}

export interface Batch {
  id: string;
  account: string;
  accountName: string;
  state: BatchState;
  sealId: string | null;
  comment: string;
  runner: string | null;
  leaseUntil: number;
  expiresAt: number;
  createTime: number;
  updateTime: number;
  items: BatchItem[];
}

interface BatchesTable {
  id: string;
  account: string;
  account_name: string;
  state: string;
  seal_id: string | null;
  comment: string;
  runner: string | null;
  lease_until: number;
  expires_at: number;
  create_time: number;
  update_time: number;
}

interface BatchItemsTable {
  batch_id: string;
  position: number;
  signature_id: string;
  seal_index: number;
  version: number;
  name: string;
  state: string;
  ecode: string;
  message: string;
  update_time: number;
}

interface BatchTables {
  stamp_batches: BatchesTable;
  stamp_batch_items: BatchItemsTable;
}

const toItem = (row: BatchItemsTable): BatchItem => ({
  position: Number(row.position),
  signatureId: row.signature_id,
  sealIndex: Number(row.seal_index),
  version: Number(row.version),
  name: row.name,
  state: row.state as ItemState,
  ecode: row.ecode,
  message: row.message,
});

/** Batches and their items (SQLite or PostgreSQL through one code path), so a restart resumes them. */
export class BatchRepository {
  private readonly db: Kysely<BatchTables>;

  constructor(db: Db) {
    this.db = db as unknown as Kysely<BatchTables>;
  }

  async create(batch: Pick<Batch, 'id' | 'account' | 'accountName' | 'expiresAt'>, items: Omit<BatchItem, 'position'>[]): Promise<Batch> {
    const now = Date.now();
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('stamp_batches')
        .values({
          id: batch.id,
          account: batch.account,
          account_name: batch.accountName,
          state: 'open',
          seal_id: null,
          comment: '',
          runner: null,
          lease_until: 0,
          expires_at: batch.expiresAt,
          create_time: now,
          update_time: now,
        })
        .execute();
      // Chunked: SQLite caps the bound parameters of one statement.
      for (let start = 0; start < items.length; start += 50) {
        await trx
          .insertInto('stamp_batch_items')
          .values(
            items.slice(start, start + 50).map((item, i) => ({
              batch_id: batch.id,
              position: start + i,
              signature_id: item.signatureId,
              seal_index: item.sealIndex,
              version: item.version,
              name: item.name,
              state: item.state,
              ecode: item.ecode,
              message: item.message,
              update_time: now,
            })),
          )
          .execute();
      }
    });
    return (await this.get(batch.id))!;
  }

  async get(id: string): Promise<Batch | undefined> {
    const row = await this.db.selectFrom('stamp_batches').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const items = await this.db.selectFrom('stamp_batch_items').selectAll().where('batch_id', '=', id).orderBy('position').execute();
    return {
      id: row.id,
      account: row.account,
      accountName: row.account_name,
      state: row.state as BatchState,
      sealId: row.seal_id,
      comment: row.comment,
      runner: row.runner,
      leaseUntil: Number(row.lease_until),
      expiresAt: Number(row.expires_at),
      createTime: Number(row.create_time),
      updateTime: Number(row.update_time),
      items: items.map(toItem),
    };
  }

  /** open → running with the chosen seal, once: false when the batch was already started. */
  async start(id: string, input: { sealId: string; comment: string; runner: string; leaseUntil: number }): Promise<boolean> {
    const result = await this.db
      .updateTable('stamp_batches')
      .set({
        state: 'running',
        seal_id: input.sealId,
        comment: input.comment,
        runner: input.runner,
        lease_until: input.leaseUntil,
        update_time: Date.now(),
      })
      .where('id', '=', id)
      .where('state', '=', 'open')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Takes over a running batch whose runner's lease ran out (it crashed or stopped); false if another holds it. */
  async claim(id: string, runner: string, leaseUntil: number, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('stamp_batches')
      .set({ runner, lease_until: leaseUntil, update_time: now })
      .where('id', '=', id)
      .where('state', '=', 'running')
      .where((eb) => eb.or([eb('runner', '=', runner), eb('lease_until', '<', now)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Running batches nobody holds: what a (re)started instance resumes. */
  async orphaned(now: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('stamp_batches')
      .select('id')
      .where('state', '=', 'running')
      .where('lease_until', '<', now)
      .limit(100)
      .execute();
    return rows.map((row) => row.id);
  }

  async setItem(
    batchId: string,
    position: number,
    patch: Partial<Pick<BatchItem, 'state' | 'ecode' | 'message' | 'version'>>,
  ): Promise<void> {
    await this.db
      .updateTable('stamp_batch_items')
      .set({ ...patch, update_time: Date.now() })
      .where('batch_id', '=', batchId)
      .where('position', '=', position)
      .execute();
  }

  async finish(id: string, runner: string): Promise<void> {
    await this.db
      .updateTable('stamp_batches')
      .set({ state: 'done', runner: null, lease_until: 0, update_time: Date.now() })
      .where('id', '=', id)
      .where('runner', '=', runner)
      .execute();
  }
}
