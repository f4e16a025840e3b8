import type { Envelope } from '../contract/envelope.js';

export type { Envelope };

export function success<T>(entities: T[], total?: number): Envelope<T> {
  const envelope: Envelope<T> = { errno: 0, ecode: 'SUCCEED', error: 'Succeed.', entities };
  if (total !== undefined) envelope.total = total;
  return envelope;
}

export function failure(status: number, ecode: string, message: string, entities: unknown[] = []): Envelope {
  return { errno: status, ecode, error: message, entities };
}
