import type { Db } from './db.js';

/** Remembers used digest nonces in the database, so a replay is refused even across a restart. */
export class NonceRepository {
  constructor(private readonly db: Db) {}

  /** True when the nonce was unused (and is now remembered until `expiresAt`, unix seconds). */
  async claim(nonce: string, expiresAt: number, nowSeconds: number): Promise<boolean> {
    await this.db.deleteFrom('used_nonces').where('expires_at', '<', nowSeconds).execute();
    const result = await this.db
      .insertInto('used_nonces')
      .values({ nonce, expires_at: expiresAt })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }
}
