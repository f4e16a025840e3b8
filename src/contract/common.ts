// Building blocks of the contract. Kept to plain JSON Schema keywords (enum, const, pattern) so the
// ajv validators, the OpenAPI document and the error paths users see stay exactly as written here.
import { type SchemaOptions, type TSchema, Type } from '@sinclair/typebox';

export const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$';

/** Marks a field that the InfoPlus spec does not name (our documented extension). */
export const EXTENSION = { 'x-extension': true } as const;

export const CLOSED = { additionalProperties: false } as const;

export const Text = (maxLength: number, options: SchemaOptions = {}) => Type.String({ maxLength, ...options });

export const Uuid = (options: SchemaOptions = {}) => Type.String({ pattern: UUID_PATTERN, ...options });

/** `{enum: [...]}`: one error naming the allowed values, where a union of literals gives one per branch. */
export const Enum = <const T extends readonly (string | number)[]>(values: T, options: SchemaOptions = {}) =>
  Type.Unsafe<T[number]>({ enum: [...values], ...options });

/** `{const: value}` without the `type` TypeBox's Literal adds. */
export const Const = <const T extends string | number | boolean>(value: T, options: SchemaOptions = {}) =>
  Type.Unsafe<T>({ const: value, ...options });

/** Any JSON object (form data, a template's JSON Schema). */
export const AnyObject = (options: SchemaOptions = {}) => Type.Unsafe<Record<string, unknown>>({ type: 'object', ...options });

export const Nullable = <T extends TSchema>(schema: T, options: SchemaOptions = {}) => Type.Union([schema, Type.Null()], options);
