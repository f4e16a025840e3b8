import type { Db } from './db.js';

/** The revocation list of end-user tickets (`DELETE /signature/:id/tickets/:jti`), kept until they would have expired anyway. */
export class RevokedTicketRepository {
  constructor(private readonly db: Db) {}

  async revoke(jti: string, signatureId: string, expiresAt: number, nowSeconds: number): Promise<void> {
    await this.db.deleteFrom('revoked_tickets').where('expires_at', '<', nowSeconds).execute();
    await this.db
      .insertInto('revoked_tickets')
      .values({ jti, signature_id: signatureId, expires_at: expiresAt })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async isRevoked(jti: string): Promise<boolean> {
    return (await this.db.selectFrom('revoked_tickets').select('jti').where('jti', '=', jti).executeTakeFirst()) !== undefined;
  }
}
