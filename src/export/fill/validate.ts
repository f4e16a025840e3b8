import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ApiError } from '../../http/errors.js';
import { describeErrors } from '../../validation/ajv.js';

const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule }).default ?? addFormatsModule;

// A separate instance: template schemas are authored by form designers, so unknown keywords (e.g.
// UI hints) are tolerated instead of failing strict mode.
const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
(addFormats as unknown as (a: Ajv) => void)(ajv);
const compiled = new WeakMap<object, ValidateFunction>();

/** Compiles a template's data schema; an invalid schema is a 422 naming why. */
export function compileTemplateSchema(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    try {
      const { $id: _id, ...withoutId } = schema as { $id?: string };
      validate = ajv.compile(withoutId);
    } catch (error) {
      throw new ApiError(422, 'INVALID_SCHEMA', `The template's data schema is not a valid JSON Schema: ${(error as Error).message}`);
    }
    compiled.set(schema, validate);
  }
  return validate;
}

/** Validates form data against the template's schema before rendering; lists every failing path. */
export function validateTemplateData(schema: object, data: unknown): void {
  const validate = compileTemplateSchema(schema);
  if (validate(data)) return;
  const errors = describeErrors(validate.errors);
  throw new ApiError(
    422,
    'TEMPLATE_DATA_INVALID',
    `The form data does not match the template: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
    errors,
  );
}
