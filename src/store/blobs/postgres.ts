import fs from 'node:fs/promises';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import type { Db } from '../db.js';
import type { BlobStore } from './blob-store.js';

const CHUNK_BYTES = 256 * 1024;
/** A blob adopted this recently is never deleted: another instance may be inserting its file row. */
const ADOPTION_GRACE_MS = 60_000;

/**
 * Blobs in PostgreSQL, shared by every instance: one `blobs` row per sha256 and its bytes in 256 KiB
 * `blob_chunks`, written in one transaction (a blob is whole or absent) and read chunk by chunk.
 */
export class PostgresBlobStore implements BlobStore {
  readonly kind = 'postgres';

  constructor(private readonly db: Db) {}

  async init(): Promise<void> {}

  /** True (and the blob marked as just used) when it is already stored. */
  private async adopt(sha256: string): Promise<boolean> {
    const result = await this.db.updateTable('blobs').set({ last_used: Date.now() }).where('sha256', '=', sha256).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async putFile(sha256: string, size: number, tempPath: string): Promise<void> {
    if (size <= CHUNK_BYTES) {
      await this.putSingleChunk(sha256, await fs.readFile(tempPath));
      return;
    }
    if (await this.adopt(sha256)) return;
    const handle = await fs.open(tempPath, 'r');
    try {
      await this.write(sha256, size, async function* () {
        const buffer = Buffer.alloc(CHUNK_BYTES);
        for (let position = 0; position < size;) {
          const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, position);
          if (bytesRead === 0) throw new Error(`temp file ended at ${position} of ${size} bytes`);
          position += bytesRead;
          yield Buffer.from(buffer.subarray(0, bytesRead));
        }
      });
    } finally {
      await handle.close();
    }
  }

  async putBytes(sha256: string, bytes: Uint8Array): Promise<void> {
    if (bytes.byteLength <= CHUNK_BYTES) {
      await this.putSingleChunk(sha256, Buffer.from(bytes));
      return;
    }
    if (await this.adopt(sha256)) return;
    await this.write(sha256, bytes.byteLength, function* () {
      for (let offset = 0; offset < bytes.byteLength; offset += CHUNK_BYTES)
        yield Buffer.from(bytes.subarray(offset, offset + CHUNK_BYTES));
    });
  }

  /** Most files (forms, signed revisions, seal images) fit one chunk: one atomic statement, one round trip. */
  private async putSingleChunk(sha256: string, data: Buffer): Promise<void> {
    const now = Date.now();
    await sql`
      with chunk as (insert into blob_chunks (sha256, seq, data) values (${sha256}, 0, ${data}) on conflict do nothing)
      insert into blobs (sha256, size, chunks, last_used) values (${sha256}, ${data.byteLength}, 1, ${now})
      on conflict (sha256) do update set last_used = excluded.last_used`.execute(this.db);
  }

  private async write(sha256: string, size: number, chunks: () => AsyncIterable<Buffer> | Iterable<Buffer>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      let seq = 0;
      for await (const data of chunks()) {
        // The same content written by two instances at once: the second waits, then finds the rows there.
        await trx
          .insertInto('blob_chunks')
          .values({ sha256, seq: seq++, data })
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      await trx
        .insertInto('blobs')
        .values({ sha256, size, chunks: seq, last_used: Date.now() })
        .onConflict((oc) => oc.column('sha256').doUpdateSet({ last_used: Date.now() }))
        .execute();
    });
  }

  private async chunk(sha256: string, seq: number): Promise<Buffer> {
    const row = await this.db
      .selectFrom('blob_chunks')
      .select('data')
      .where('sha256', '=', sha256)
      .where('seq', '=', seq)
      .executeTakeFirst();
    if (!row) throw new Error(`blob ${sha256} lacks chunk ${seq}`);
    return row.data;
  }

  async read(sha256: string): Promise<Buffer> {
    const rows = await this.db
      .selectFrom('blob_chunks')
      .innerJoin('blobs', 'blobs.sha256', 'blob_chunks.sha256')
      .select(['blob_chunks.data', 'blobs.chunks'])
      .where('blob_chunks.sha256', '=', sha256)
      .orderBy('blob_chunks.seq')
      .execute();
    if (rows.length === 0) throw Object.assign(new Error(`blob ${sha256} is missing`), { code: 'ENOENT' });
    if (rows.length !== Number(rows[0].chunks)) throw new Error(`blob ${sha256} has ${rows.length} of ${rows[0].chunks} chunks`);
    return Buffer.concat(rows.map((row) => row.data));
  }

  stream(sha256: string): Readable {
    const db = this.db;
    const chunk = (seq: number) => this.chunk(sha256, seq);
    return Readable.from(
      (async function* () {
        // The first chunk and the count in one query; further chunks one by one (never the whole file in memory).
        const first = await db
          .selectFrom('blob_chunks')
          .innerJoin('blobs', 'blobs.sha256', 'blob_chunks.sha256')
          .select(['blob_chunks.data', 'blobs.chunks'])
          .where('blob_chunks.sha256', '=', sha256)
          .where('blob_chunks.seq', '=', 0)
          .executeTakeFirst();
        if (!first) throw Object.assign(new Error(`blob ${sha256} is missing`), { code: 'ENOENT' });
        yield first.data;
        for (let seq = 1; seq < Number(first.chunks); seq++) yield await chunk(seq);
      })(),
      { objectMode: false },
    );
  }

  async delete(sha256: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const gone = await trx
        .deleteFrom('blobs')
        .where('sha256', '=', sha256)
        .where('last_used', '<', Date.now() - ADOPTION_GRACE_MS)
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('files').select('files.id').where('files.sha256', '=', sha256))))
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('templates').select('templates.name').where('templates.sha256', '=', sha256))),
        )
        .executeTakeFirst();
      if (Number(gone.numDeletedRows) > 0) await trx.deleteFrom('blob_chunks').where('sha256', '=', sha256).execute();
    });
  }
}
