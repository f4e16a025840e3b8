/**
 * The InfoPlus Response envelope: `{errno, ecode, error, entities}`; errno 0 / ecode SUCCEED on success.
 * On failure errno is the HTTP status, ecode names the failure and entities carry details
 * (for validation errors: one `{path, message}` per failing JSON path).
 */
export interface Envelope<T = unknown> {
  errno: number;
  ecode: string;
  error: string;
  entities: T[];
  total?: number;
}

export function success<T>(entities: T[], total?: number): Envelope<T> {
  const envelope: Envelope<T> = { errno: 0, ecode: 'SUCCEED', error: 'Succeed.', entities };
  if (total !== undefined) envelope.total = total;
  return envelope;
}

export function failure(status: number, ecode: string, message: string, entities: unknown[] = []): Envelope {
  return { errno: status, ecode, error: message, entities };
}
