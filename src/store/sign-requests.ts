import type { Db } from './db.js';

export interface SignRequestRecord {
  caller: string;
  clientMutationId: string;
  requestHash: string;
  result: unknown;
  flowId: string | null;
}

/** signFile results by (caller, client mutation id): the same request twice signs once. */
export class SignRequestRepository {
  constructor(private readonly db: Db) {}

  private static record(row: {
    caller: string;
    client_mutation_id: string;
    request_hash: string;
    result: string;
    flow_id: string | null;
  }): SignRequestRecord {
    return {
      caller: row.caller,
      clientMutationId: row.client_mutation_id,
      requestHash: row.request_hash,
      result: JSON.parse(row.result) as unknown,
      flowId: row.flow_id,
    };
  }

  async get(caller: string, clientMutationId: string): Promise<SignRequestRecord | undefined> {
    const row = await this.db
      .selectFrom('sign_requests')
      .selectAll()
      .where('caller', '=', caller)
      .where('client_mutation_id', '=', clientMutationId)
      .executeTakeFirst();
    return row ? SignRequestRepository.record(row) : undefined;
  }

  async byFlow(flowId: string): Promise<SignRequestRecord | undefined> {
    const row = await this.db.selectFrom('sign_requests').selectAll().where('flow_id', '=', flowId).executeTakeFirst();
    return row ? SignRequestRepository.record(row) : undefined;
  }

  async put(caller: string, clientMutationId: string, requestHash: string, result: unknown, flowId: string | null = null): Promise<void> {
    const values = { request_hash: requestHash, result: JSON.stringify(result), flow_id: flowId };
    await this.db
      .insertInto('sign_requests')
      .values({ caller, client_mutation_id: clientMutationId, ...values, create_time: Date.now() })
      .onConflict((oc) => oc.columns(['caller', 'client_mutation_id']).doUpdateSet(values))
      .execute();
  }

  async updateResult(caller: string, clientMutationId: string, result: unknown): Promise<void> {
    await this.db
      .updateTable('sign_requests')
      .set({ result: JSON.stringify(result) })
      .where('caller', '=', caller)
      .where('client_mutation_id', '=', clientMutationId)
      .execute();
  }
}
