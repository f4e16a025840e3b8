import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { invalidRequest, type FieldError } from '../errors.js';

// ajv-formats ships CommonJS with a default export property.
const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule }).default ?? addFormatsModule;

export const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: false, allowUnionTypes: true });
(addFormats as unknown as (a: Ajv) => void)(ajv);
// Our documentation keyword for schema extensions beyond the InfoPlus spec.
ajv.addKeyword({ keyword: 'x-extension', schemaType: 'boolean' });

/** `/seals/0/x` → `seals[0].x`; the root is `$`. */
export function jsonPath(instancePath: string, extra?: string): string {
  const parts = instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  let out = '$';
  for (const part of parts) out += /^\d+$/.test(part) ? `[${part}]` : `.${part}`;
  return out;
}

export function describeErrors(errors: ErrorObject[] | null | undefined): FieldError[] {
  const seen = new Set<string>();
  const result: FieldError[] = [];
  for (const error of errors ?? []) {
    let path = jsonPath(error.instancePath);
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'required') {
      path = jsonPath(error.instancePath, String(error.params.missingProperty));
      message = 'is required';
    } else if (error.keyword === 'additionalProperties') {
      path = jsonPath(error.instancePath, String(error.params.additionalProperty));
      message = 'is not an allowed property';
    } else if (error.keyword === 'const' || error.keyword === 'enum') {
      const allowed = error.keyword === 'const' ? [error.params.allowedValue] : (error.params.allowedValues as unknown[]);
      message = `must be ${allowed.map((v) => JSON.stringify(v)).join(' or ')}`;
    }
    const key = `${path} ${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      result.push({ path, message });
    }
  }
  return result;
}

/** Compiles a schema into a function that returns the typed value or throws a 400 listing every failing path. */
export function validator<T>(schema: object): (value: unknown) => T {
  const validate: ValidateFunction = ajv.compile(schema);
  return (value: unknown): T => {
    if (!validate(value)) throw invalidRequest(describeErrors(validate.errors));
    return value as T;
  };
}
