import { createHash } from 'node:crypto';
import type { BlobStore } from '../store/blobs/blob-store.js';
import type { Db } from '../store/db.js';
import type { TemplatesTable } from '../store/schema.js';
import {
  checkName,
  checkTemplateUpload,
  describeTemplate,
  listTemplates,
  type LoadedTemplate,
  loadTemplate,
  saveTemplate,
  summarizeTemplate,
  type TemplateSummary,
} from './fill/catalogue.js';

/** The named Word templates (`GET/PUT /templates/:name`, `{template: "<name>"}`). */
export interface TemplateCatalogue {
  load(name: string): Promise<LoadedTemplate>;
  list(): Promise<TemplateSummary[]>;
  /** Checks and stores an upload; without a schema the template keeps the one it had. */
  save(name: string, docx: Buffer, schema?: object): Promise<TemplateSummary>;
}

/** The embedded default: templates are files in `TEMPLATES_DIR`, and uploads are written there. */
export class DirectoryTemplates implements TemplateCatalogue {
  constructor(private readonly dir: string) {}

  load(name: string): Promise<LoadedTemplate> {
    return loadTemplate(this.dir, name);
  }

  list(): Promise<TemplateSummary[]> {
    return listTemplates(this.dir);
  }

  save(name: string, docx: Buffer, schema?: object): Promise<TemplateSummary> {
    return saveTemplate(this.dir, name, docx, schema);
  }
}

const isTemplateNotFound = (error: unknown) => {
  const coded = error as { ecode?: unknown; code?: unknown } | null;
  return (coded?.ecode ?? coded?.code) === 'TEMPLATE_NOT_FOUND';
};

/**
 * Templates every instance shares (with PostgreSQL): uploads are rows of `templates` with their bytes
 * in the blob store; the templates shipped in `TEMPLATES_DIR` stay readable underneath. An upload
 * replaces a shipped template's document (and its schema when one is sent); its default seals, sample
 * and `.trusted` mark remain the administrator's files in `TEMPLATES_DIR`, as with the directory.
 */
export class StoredTemplates implements TemplateCatalogue {
  private readonly shipped: DirectoryTemplates;

  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
    templatesDir: string,
  ) {
    this.shipped = new DirectoryTemplates(templatesDir);
  }

  async load(name: string): Promise<LoadedTemplate> {
    checkName(name);
    const row = await this.db.selectFrom('templates').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) return this.shipped.load(name);
    return this.fromRow(row, await this.blobs.read(row.sha256));
  }

  async list(): Promise<TemplateSummary[]> {
    const [rows, shipped] = await Promise.all([this.db.selectFrom('templates').selectAll().execute(), this.shipped.list()]);
    // A summary needs the schema's title, not the document: no blob is read.
    const uploaded = await Promise.all(
      rows.map(async (row) =>
        summarizeTemplate(await this.fromRow(row, Buffer.alloc(0)), Number(row.size), new Date(Number(row.update_time))),
      ),
    );
    const byName = new Map([...shipped, ...uploaded].map((summary) => [summary.name, summary]));
    return [...byName.keys()].sort().map((name) => byName.get(name)!);
  }

  async save(name: string, docx: Buffer, schema?: object): Promise<TemplateSummary> {
    checkTemplateUpload(name, docx, schema);
    const sha256 = createHash('sha256').update(docx).digest('hex');
    await this.blobs.putBytes(sha256, docx);
    const previous = await this.db.selectFrom('templates').select('sha256').where('name', '=', name).executeTakeFirst();
    const now = Date.now();
    const schemaText = schema === undefined ? null : JSON.stringify(schema);
    await this.db
      .insertInto('templates')
      .values({ name, sha256, size: docx.byteLength, schema: schemaText, update_time: now })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ sha256, size: docx.byteLength, update_time: now, ...(schemaText === null ? {} : { schema: schemaText }) }),
      )
      .execute();
    if (previous && previous.sha256 !== sha256) await this.releaseBlob(previous.sha256);
    return summarizeTemplate(await this.load(name), docx.byteLength, new Date(now));
  }

  private async fromRow(row: TemplatesTable, docx: Buffer): Promise<LoadedTemplate> {
    const shipped = await this.shipped.load(row.name).catch((error: unknown) => {
      if (isTemplateNotFound(error)) return undefined;
      throw error;
    });
    const schema = row.schema === null ? shipped?.schema : (JSON.parse(row.schema) as object);
    return describeTemplate(row.name, docx, { schema, seals: shipped?.seals, sample: shipped?.sample, trusted: shipped?.trusted });
  }

  /** The replaced document's blob, unless a file or another template has the same bytes. */
  private async releaseBlob(sha256: string): Promise<void> {
    const [file, template] = await Promise.all([
      this.db.selectFrom('files').select('id').where('sha256', '=', sha256).executeTakeFirst(),
      this.db.selectFrom('templates').select('name').where('sha256', '=', sha256).executeTakeFirst(),
    ]);
    if (!file && !template) await this.blobs.delete(sha256);
  }
}
