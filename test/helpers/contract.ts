import type { TSchema } from '@sinclair/typebox';
import { expect } from 'vitest';
import { ajv, describeErrors } from '../../src/validation/ajv.js';

/** Fails with every failing path when `value` does not match the contract schema. */
export function expectContract(schema: TSchema, value: unknown): void {
  const validate = ajv.compile(schema);
  validate(value);
  expect(describeErrors(validate.errors), `${schema.title ?? 'value'} breaks the contract`).toEqual([]);
}
