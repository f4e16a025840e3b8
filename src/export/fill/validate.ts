import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { DomainError } from '../../errors.js';
import { describeErrors } from '../../validation/ajv.js';

const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule }).default ?? addFormatsModule;

// Draft-07 like the service's own schemas (src/validation/ajv.ts), but a separate instance: template
// schemas are authored by form designers, so unknown keywords (UI hints, …) are tolerated instead of
// failing strict mode.
const ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
(addFormats as unknown as (a: Ajv) => void)(ajv);

/** Compiled schemas by object identity (a template loaded once) … */
const byObject = new WeakMap<object, ValidateFunction>();
/** … and by content, since the catalogue reads `<name>.schema.json` afresh for each request. */
const byText = new Map<string, ValidateFunction>();
const MAX_CACHED = 200;

/** Compiles a template's data schema (cached); an invalid schema is `422 INVALID_SCHEMA` naming why. */
export function compileTemplateSchema(schema: object): ValidateFunction {
  const cached = byObject.get(schema);
  if (cached) return cached;
  const text = JSON.stringify(schema);
  let validate = byText.get(text);
  if (!validate) {
    // `$id` would make ajv refuse a second, changed version of the same schema.
    const { $id: _id, ...withoutId } = schema as { $id?: string };
    try {
      validate = ajv.compile(withoutId);
    } catch (error) {
      throw new DomainError('INVALID_SCHEMA', `The template's data schema is not a valid JSON Schema: ${(error as Error).message}`);
    } finally {
      // ajv keeps every compiled schema object in its own cache; ours is the bounded one.
      ajv.removeSchema(withoutId);
    }
    if (byText.size >= MAX_CACHED) byText.delete(byText.keys().next().value as string);
    byText.set(text, validate);
  }
  byObject.set(schema, validate);
  return validate;
}

/**
 * Validates form data against the template's schema before rendering: `422 TEMPLATE_DATA_INVALID`
 * whose message and entities `[{path, message}]` list every failing path, in the service's path
 * notation (`$.applicant.name`, `$.courses[0].teacher`; a missing property is named by its own path).
 */
export function validateTemplateData(schema: object, data: unknown): void {
  const validate = compileTemplateSchema(schema);
  if (validate(data)) return;
  // `if` only says that a `then`/`else` failed; the failure itself is listed on its own.
  const errors = describeErrors(validate.errors?.filter((error) => error.keyword !== 'if'));
  throw new DomainError(
    'TEMPLATE_DATA_INVALID',
    `The form data does not match the template: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
    errors,
  );
}
