// A stamp's new PDF revision and the S2 naming it are one commit when the engine is this process:
// one WAL flush instead of two, and an S2 that loses its version check leaves no file row behind.
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { PDFDocument } from '@cantoo/pdf-lib';
import { SignatureService } from '../../src/signature/service.js';
import { InProcessEngine } from '../../src/stamping/in-process-engine.js';
import { type Db, openSqlite } from '../../src/store/db.js';
import { FileUris } from '../../src/store/file-uri.js';
import { FileStore } from '../../src/store/files.js';
import { SignatureRepository } from '../../src/store/signatures.js';
import { tempDataDir } from '../helpers/service.js';

async function pdfWithText(text: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage([300, 300]).drawText(text, { x: 20, y: 150 });
  return doc.save();
}

describe('revision commit (in-process engine)', () => {
  let db: Db | undefined;
  let dir: string;
  afterEach(async () => {
    await db?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function setUp() {
    dir = tempDataDir();
    const flushes = { count: 0 };
    db = await openSqlite(dir, {
      flushWal: async () => {
        flushes.count++;
      },
    });
    const files = new FileStore(db, dir);
    await files.init();
    const uris = new FileUris('http://127.0.0.1:1');
    const signatures = new SignatureService(new SignatureRepository(db), files, uris);
    const engine = new InProcessEngine(signatures, files, uris);
    const original = await files.putBytes(await pdfWithText('original'), { name: 'form.pdf', mime: 'application/pdf' });
    const created = await signatures.create({ fileId: original.id, seals: [{}] });
    const pdfRows = async () => (await db!.selectFrom('files').select('id').where('mime', '=', 'application/pdf').execute()).length;
    return { engine, signatures, created, flushes, pdfRows };
  }

  it('stores the revision and the S2 that names it in one commit (one WAL flush), where upload then S2 takes two', async () => {
    const { engine, signatures, created, flushes } = await setUp();
    const before = flushes.count;
    const revision1 = await pdfWithText('revision 1');
    const committed = await engine.commitRevision(created.id, revision1, 'form.pdf', (revision) => ({
      version: created.version,
      uri: revision.uri,
    }));
    expect(flushes.count - before).toBe(1);
    expect(committed.signature.uri).toBe(committed.revision.uri);
    expect((await signatures.get(created.id)).uri).toBe(committed.revision.uri);
    expect(Buffer.from(await engine.downloadFile(committed.revision.uri)).equals(Buffer.from(revision1))).toBe(true);

    const twoSteps = flushes.count;
    const uploaded = await engine.uploadFile(await pdfWithText('revision 2'), 'form.pdf');
    await engine.putSignature(created.id, { version: committed.signature.version, uri: uploaded.uri });
    expect(flushes.count - twoSteps).toBe(2);
  });

  it('leaves no file row when the S2 loses its version check, and changes nothing', async () => {
    const { engine, signatures, created, pdfRows } = await setUp();
    const rows = await pdfRows();
    await expect(
      engine.commitRevision(created.id, await pdfWithText('stale'), 'form.pdf', (revision) => ({
        version: created.version + 5,
        uri: revision.uri,
      })),
    ).rejects.toMatchObject({ code: 'VERSION_CONFLICT' });
    expect(await pdfRows()).toBe(rows);
    expect((await signatures.get(created.id)).uri).toBe(created.uri);
  });
});
