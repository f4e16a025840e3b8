import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DomainError } from '../../errors.js';
import type { SealInput } from '../../contract/index.js';
import { compileTemplate } from './index.js';
import { compileTemplateSchema } from './validate.js';

/** Template names: lowercase words joined by hyphens (also the file stem in `templates/`). */
export const TEMPLATE_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

export interface LoadedTemplate {
  name: string;
  title: string;
  docx: Buffer;
  /** JSON Schema of the form data (`<name>.schema.json`). */
  schema?: object;
  /** Default seals of Signatures created from the template (`<name>.seals.json`). */
  seals?: SealInput[];
  /** Sample form data (`<name>.sample.json`). */
  sample?: unknown;
  /** Marked trusted by the administrator (a `<name>.trusted` file next to it): may use `{@raw}` tags. */
  trusted?: boolean;
  description?: string;
  /** `x-verification-mark` of the schema: documents of this template carry a QR code and verification code. */
  verificationMark?: true | { shareable?: boolean };
}

export interface TemplateSummary {
  name: string;
  title: string;
  description?: string;
  hasSchema: boolean;
  seals: number;
  size: number;
  updatedAt: string;
}

export function checkName(name: string): void {
  if (!TEMPLATE_NAME.test(name)) {
    throw new DomainError(
      'INVALID_TEMPLATE_NAME',
      `"${name.slice(0, 80)}" is not a template name (lowercase letters, digits and hyphens, up to 64).`,
    );
  }
}

async function readJson(file: string): Promise<unknown | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new DomainError('TEMPLATE_BROKEN', `${path.basename(file)} is not valid JSON.`);
  }
}

/**
 * A template of the catalogue: `<dir>/<name>.docx` with the optional `<name>.schema.json` (its
 * `title` and `description` describe the template), `<name>.seals.json` and `<name>.sample.json`.
 * 400 INVALID_TEMPLATE_NAME for a name outside {@link TEMPLATE_NAME}, 404 TEMPLATE_NOT_FOUND.
 */
export async function loadTemplate(dir: string, name: string): Promise<LoadedTemplate> {
  checkName(name);
  let docx: Buffer;
  try {
    docx = await fs.readFile(path.join(dir, `${name}.docx`));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new DomainError('TEMPLATE_NOT_FOUND', `There is no template named "${name}".`);
    throw error;
  }
  const [schema, seals, sample] = await Promise.all(
    ['schema', 'seals', 'sample'].map((kind) => readJson(path.join(dir, `${name}.${kind}.json`))),
  );
  const trusted = await fs.access(path.join(dir, `${name}.trusted`)).then(
    () => true,
    () => false,
  );
  return describeTemplate(name, docx, { schema, seals, sample, trusted });
}

/** A template as the pipeline uses it, from its bytes and the optional parts next to it. */
export function describeTemplate(
  name: string,
  docx: Buffer,
  parts: { schema?: unknown; seals?: unknown; sample?: unknown; trusted?: boolean },
): LoadedTemplate {
  const { schema, seals, sample, trusted } = parts;
  const info = (schema ?? {}) as { title?: unknown; description?: unknown; 'x-verification-mark'?: unknown };
  const mark = info['x-verification-mark'];
  return {
    name,
    ...(trusted ? { trusted } : {}),
    title: typeof info.title === 'string' ? info.title : name,
    docx,
    ...(schema && typeof schema === 'object' ? { schema } : {}),
    ...(Array.isArray(seals) ? { seals: seals as SealInput[] } : {}),
    ...(sample === undefined ? {} : { sample }),
    ...(typeof info.description === 'string' ? { description: info.description } : {}),
    ...(mark === true || (mark && typeof mark === 'object') ? { verificationMark: mark } : {}),
  };
}

export function summarizeTemplate(template: LoadedTemplate, size: number, updatedAt: Date): TemplateSummary {
  return {
    name: template.name,
    title: template.title,
    ...(template.description ? { description: template.description } : {}),
    hasSchema: Boolean(template.schema),
    seals: template.seals?.length ?? 0,
    size,
    updatedAt: updatedAt.toISOString(),
  };
}

export async function listTemplates(dir: string): Promise<TemplateSummary[]> {
  let names: string[];
  try {
    names = (await fs.readdir(dir))
      .filter((file) => file.endsWith('.docx'))
      .map((file) => file.slice(0, -5))
      .filter((name) => TEMPLATE_NAME.test(name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const summaries = await Promise.all(
    names.sort().map(async (name) => {
      const template = await loadTemplate(dir, name);
      const stat = await fs.stat(path.join(dir, `${name}.docx`));
      return summarizeTemplate(template, stat.size, stat.mtime);
    }),
  );
  return summaries;
}

/** Writes `bytes` to a temporary file next to `file` and fsyncs it; `commit()` renames it into place. */
async function stage(file: string, bytes: Buffer | string): Promise<{ commit(): Promise<void>; discard(): Promise<void> }> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomUUID()}.tmp`);
  try {
    const handle = await fs.open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  return { commit: () => fs.rename(temp, file), discard: () => fs.rm(temp, { force: true }) };
}

/** The checks of an upload (see {@link saveTemplate}), wherever it is then stored. */
export function checkTemplateUpload(name: string, docx: Buffer, schema?: object): void {
  checkName(name);
  compileTemplate(docx, { production: true });
  if (schema !== undefined) {
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
      throw new DomainError('INVALID_SCHEMA', 'The schema must be a JSON object.');
    compileTemplateSchema(schema);
  }
}

/**
 * Stores an uploaded template under its name after checking it: a valid name, a real .docx within
 * the zip limits (413 ZIP_TOO_LARGE, 415 NOT_DOCX), no macros, tags that docxtemplater compiles
 * (422 TEMPLATE_ERROR), and, when given, a schema that ajv compiles (422 INVALID_SCHEMA — a code of
 * its own, not in errors.ts: it is raised as a DomainError with its code). Files are written
 * atomically (temporary file, fsync, rename, fsync of the directory); a refused upload leaves the
 * catalogue as it was. Without a schema, an existing `<name>.schema.json` (and seals, sample) is kept.
 */
export async function saveTemplate(dir: string, name: string, docx: Buffer, schema?: object): Promise<TemplateSummary> {
  checkTemplateUpload(name, docx, schema);
  await fs.mkdir(dir, { recursive: true });
  const staged = [await stage(path.join(dir, `${name}.docx`), docx)];
  try {
    if (schema !== undefined) staged.push(await stage(path.join(dir, `${name}.schema.json`), `${JSON.stringify(schema, null, 2)}\n`));
  } catch (error) {
    await Promise.all(staged.map((file) => file.discard()));
    throw error;
  }
  // The schema first: a reader never sees the new template with the old schema's title missing.
  for (const file of staged.reverse()) await file.commit();
  const directory = await fs.open(dir, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
  return (await listTemplates(dir)).find((template) => template.name === name)!;
}
