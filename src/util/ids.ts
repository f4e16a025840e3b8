import { randomUUID } from 'node:crypto';
import { DomainError } from '../errors.js';

/** Ids are lowercase UUIDs, as the spec's `id: {uuid}`; nothing else reaches the store or the disk. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export const newId = (): string => randomUUID();

export function isId(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

export function requireId(value: unknown, what: string): string {
  if (!isId(value))
    throw new DomainError('INVALID_ID', `The ${what} id "${String(value).slice(0, 64)}" is not a valid id (a lowercase UUID).`);
  return value;
}
