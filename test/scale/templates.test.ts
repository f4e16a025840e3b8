// Uploaded Word templates in the shared store: the catalogue on both engines, and two API instances
// on one PostgreSQL database seeing each other's uploads while the shipped templates stay readable.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import PizZip from 'pizzip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoredTemplates } from '../../src/export/template-catalogue.js';
import { LocalBlobStore } from '../../src/store/blobs/local.js';
import { PostgresBlobStore } from '../../src/store/blobs/postgres.js';
import { type Db, openPostgres, openSqlite } from '../../src/store/db.js';
import { FileStore } from '../../src/store/files.js';
import { startTestCluster, type TestCluster } from '../helpers/cluster.js';
import { docxOf } from '../helpers/office.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { type TestService, tempDataDir } from '../helpers/service.js';

const SHIPPED = 'leave-application';
const noticeSchema = { title: '通知', type: 'object', required: ['text'], properties: { text: { type: 'string' } } };

/** A TEMPLATES_DIR holding one shipped template (with its schema, seals and sample) marked trusted. */
function shippedTemplatesDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tpl-shipped-'));
  for (const file of fs.readdirSync('templates').filter((name) => name.startsWith(`${SHIPPED}.`)))
    fs.copyFileSync(path.join('templates', file), path.join(dir, file));
  fs.writeFileSync(path.join(dir, `${SHIPPED}.trusted`), '');
  return dir;
}

const textOf = (docx: Uint8Array) =>
  new PizZip(docx)
    .file('word/document.xml')!
    .asText()
    .replace(/<[^>]+>/g, '');

describe.each(['sqlite', 'postgres'] as const)('the stored template catalogue on %s', (engine) => {
  let db: Db;
  let database: TestDatabase | undefined;
  let files: FileStore;
  let catalogue: StoredTemplates;
  const dataDir = tempDataDir();
  const templatesDir = shippedTemplatesDir();
  const snapshot = fs.readdirSync(templatesDir).sort();

  beforeAll(async () => {
    if (engine === 'postgres') database = await createTestDatabase();
    db = database ? await openPostgres(database.url) : await openSqlite(dataDir);
    files = new FileStore(db, dataDir, database ? new PostgresBlobStore(db) : new LocalBlobStore(dataDir));
    await files.init();
    catalogue = new StoredTemplates(db, files.blobs, templatesDir);
  });
  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(templatesDir, { recursive: true, force: true });
  });

  /** PostgreSQL keeps a freshly written blob for a grace period; age them so deletion is decided by references alone. */
  const ageBlobs = async () => {
    if (database) await db.updateTable('blobs').set({ last_used: 0 }).execute();
  };

  it('stores an upload with its schema, lists it with the shipped ones and writes nothing to TEMPLATES_DIR', async () => {
    const saved = await catalogue.save('notice', Buffer.from(docxOf(['通知：{text}'])), noticeSchema);
    expect(saved).toMatchObject({ name: 'notice', title: '通知', hasSchema: true, seals: 0 });
    const loaded = await catalogue.load('notice');
    expect(textOf(loaded.docx)).toContain('通知：{text}');
    expect(loaded.schema).toEqual(noticeSchema);
    expect((await catalogue.list()).map((t) => t.name)).toEqual([SHIPPED, 'notice']);
    expect(fs.readdirSync(templatesDir).sort()).toEqual(snapshot);
    await expect(catalogue.load('no-such-template')).rejects.toMatchObject({ code: 'TEMPLATE_NOT_FOUND' });
    await expect(catalogue.save('Bad_Name', Buffer.from(docxOf(['x'])))).rejects.toMatchObject({ code: 'INVALID_TEMPLATE_NAME' });
    await expect(catalogue.save('broken', Buffer.from(docxOf(['{unclosed'])))).rejects.toMatchObject({ code: 'TEMPLATE_ERROR' });
  });

  it('an upload over a shipped template replaces its document and keeps its schema, seals, sample and trust', async () => {
    const shipped = await catalogue.load(SHIPPED);
    await catalogue.save(SHIPPED, Buffer.from(docxOf(['新版请假单：{name}'])));
    const replaced = await catalogue.load(SHIPPED);
    expect(textOf(replaced.docx)).toContain('新版请假单');
    expect(replaced).toMatchObject({
      title: shipped.title,
      schema: shipped.schema,
      seals: shipped.seals,
      sample: shipped.sample,
      trusted: true,
    });
  });

  it('a re-upload without a schema keeps the stored one and frees the replaced bytes, but never bytes a file still has', async () => {
    const first = Buffer.from(docxOf(['第一版：{text}']));
    await catalogue.save('circular', first, noticeSchema);
    const twin = await files.putBytes(first, {
      name: 'twin.docx',
      mime: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    });
    await ageBlobs();
    // The file with the same bytes goes; the template still has them.
    expect(await files.delete(twin.id)).toBe('deleted');
    expect(textOf((await catalogue.load('circular')).docx)).toContain('第一版');

    await catalogue.save('circular', Buffer.from(docxOf(['第二版：{text}'])));
    const second = await catalogue.load('circular');
    expect(textOf(second.docx)).toContain('第二版');
    expect(second.schema).toEqual(noticeSchema);
    await expect(files.blobs.read(twin.sha256)).rejects.toThrow();
  });
});

describe('templates uploaded on one instance, used on another (PostgreSQL)', () => {
  let cluster: TestCluster;
  let a: TestService;
  let b: TestService;
  const templatesDir = shippedTemplatesDir();
  const snapshot = fs.readdirSync(templatesDir).sort();

  beforeAll(async () => {
    cluster = await startTestCluster({ TEMPLATES_DIR: templatesDir });
    a = await cluster.start('api-a');
    b = await cluster.start('api-b');
  });
  afterAll(async () => {
    await cluster?.stop();
    fs.rmSync(templatesDir, { recursive: true, force: true });
  });

  const put = (on: TestService, name: string, bytes: Uint8Array, schema?: object) => {
    const form = new FormData();
    form.append('file', new Blob([bytes]), `${name}.docx`);
    if (schema) form.append('schema', JSON.stringify(schema));
    return on.json(`/templates/${name}`, { method: 'PUT', body: form });
  };

  it('B lists, serves and fills a template uploaded on A; the shipped template still works on both', async () => {
    const uploaded = await put(a, 'notice', docxOf(['通知：{text}']), noticeSchema);
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(200);
    expect(fs.readdirSync(templatesDir).sort()).toEqual(snapshot);

    const listed = await b.json('/templates');
    expect(listed.body.entities.map((t: any) => t.name)).toEqual([SHIPPED, 'notice']);
    expect(textOf(new Uint8Array(await (await b.api('/templates/notice')).arrayBuffer()))).toContain('通知：{text}');

    const filled = await b.api('/export/docx', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ template: 'notice', data: { text: '明日停课' } }),
    });
    expect(filled.status).toBe(200);
    expect(textOf(new Uint8Array(await filled.arrayBuffer()))).toContain('通知：明日停课');
    const refused = await b.json('/export/docx', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ template: 'notice', data: {} }),
    });
    expect(refused.body.ecode).toBe('TEMPLATE_DATA_INVALID');

    const sample = JSON.parse(fs.readFileSync(path.join(templatesDir, `${SHIPPED}.sample.json`), 'utf8'));
    for (const on of [a, b]) {
      const shipped = await on.api('/export/docx', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ template: SHIPPED, data: sample }),
      });
      expect(shipped.status).toBe(200);
    }
  });

  it('a re-upload on B is what A fills next', async () => {
    expect((await put(b, 'notice', docxOf(['公告：{text}']))).status).toBe(200);
    const filled = await a.api('/export/docx', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ template: 'notice', data: { text: '放假' } }),
    });
    expect(textOf(new Uint8Array(await filled.arrayBuffer()))).toContain('公告：放假');
    // The schema sent with the first upload still applies.
    expect((await a.json('/templates')).body.entities.find((t: any) => t.name === 'notice')).toMatchObject({
      title: '通知',
      hasSchema: true,
    });
  });
});
