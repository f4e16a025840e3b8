import type { Db } from './db.js';

/** signFile results by (caller, client mutation id): the same request twice signs once. */
export class SignRequestRepository {
  constructor(private readonly db: Db) {}

  async get(caller: string, clientMutationId: string): Promise<{ requestHash: string; result: unknown } | undefined> {
    const row = await this.db
      .selectFrom('sign_requests')
      .select(['request_hash', 'result'])
      .where('caller', '=', caller)
      .where('client_mutation_id', '=', clientMutationId)
      .executeTakeFirst();
    return row ? { requestHash: row.request_hash, result: JSON.parse(row.result) as unknown } : undefined;
  }

  async put(caller: string, clientMutationId: string, requestHash: string, result: unknown): Promise<void> {
    await this.db
      .insertInto('sign_requests')
      .values({ caller, client_mutation_id: clientMutationId, request_hash: requestHash, result: JSON.stringify(result), create_time: Date.now() })
      .onConflict((oc) => oc.columns(['caller', 'client_mutation_id']).doUpdateSet({ request_hash: requestHash, result: JSON.stringify(result) }))
      .execute();
  }
}
