import { DomainError } from '../errors.js';
import { isId } from '../util/ids.js';

export { isId, newId } from '../util/ids.js';

export function requireId(value: unknown, what: string): string {
  if (!isId(value)) throw new DomainError('INVALID_ID', `The ${what} id "${String(value).slice(0, 64)}" is not a valid id (a lowercase UUID).`);
  return value;
}
