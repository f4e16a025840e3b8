import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import busboy from 'busboy';
import type { Request } from 'express';
import { DomainError } from '../errors.js';

export interface ReceivedUpload {
  tempPath: string;
  filename: string;
  size: number;
  sha256: string;
  /** The first bytes, for type sniffing. */
  head: Buffer;
  /** Other text fields of the form (e.g. `name`). */
  fields: Record<string, string>;
}

const HEAD_BYTES = 64 * 1024;

/** Cleans a client-supplied file name: base name only, no control characters, at most 255 characters. */
export function cleanFilename(raw: string | undefined): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim()
    .slice(0, 255);
  return cleaned || 'file';
}

/**
 * Streams the multipart field `file` to a temp file (hashing it on the way) without holding it in
 * memory; more than `limit` bytes is a 413 and leaves nothing behind.
 */
export async function receiveUpload(req: Request, tempDir: string, limit: number): Promise<ReceivedUpload> {
  if (!req.is('multipart/form-data'))
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Upload the file as multipart/form-data in the field "file".');
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      defParamCharset: 'utf8',
      limits: { fileSize: limit, files: 1, fields: 20, fieldSize: 4096, parts: 25 },
    });
  } catch {
    throw new DomainError('MALFORMED_MULTIPART', 'The multipart body is malformed.');
  }
  const fields: Record<string, string> = {};
  const tempPath = path.join(tempDir, `upload-${randomUUID()}`);

  return new Promise<ReceivedUpload>((resolve, reject) => {
    let fileSeen = false;
    let writing: Promise<{ size: number; sha256: string; head: Buffer; truncated: boolean; filename: string }> | null = null;
    const fail = (error: unknown) => {
      req.unpipe(parser);
      req.resume();
      fs.rm(tempPath, { force: true }, () => reject(error));
    };

    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || fileSeen) {
        stream.resume();
        return;
      }
      fileSeen = true;
      const hash = createHash('sha256');
      const headChunks: Buffer[] = [];
      let headLength = 0;
      let size = 0;
      const tap = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          hash.update(chunk);
          size += chunk.length;
          if (headLength < HEAD_BYTES) {
            headChunks.push(chunk.subarray(0, HEAD_BYTES - headLength));
            headLength += Math.min(chunk.length, HEAD_BYTES - headLength);
          }
          callback(null, chunk);
        },
      });
      const out = fs.createWriteStream(tempPath, { mode: 0o600 });
      writing = pipeline(stream, tap, out).then(async () => {
        const handle = await fs.promises.open(tempPath, 'r+');
        await handle.sync();
        await handle.close();
        return {
          size,
          sha256: hash.digest('hex'),
          head: Buffer.concat(headChunks),
          truncated: stream.truncated === true,
          filename: cleanFilename(info.filename),
        };
      });
    });
    parser.on('error', () => fail(new DomainError('MALFORMED_MULTIPART', 'The multipart body is malformed.')));
    parser.on('partsLimit', () => fail(new DomainError('MALFORMED_MULTIPART', 'The multipart body has too many parts.')));
    parser.on('close', () => {
      if (!writing) {
        fail(new DomainError('FILE_MISSING', 'The multipart body has no field "file".'));
        return;
      }
      writing.then(
        (written) => {
          if (written.truncated) {
            fail(new DomainError('FILE_TOO_LARGE', `The file is larger than the upload limit of ${limit} bytes.`));
          } else if (written.size === 0) {
            fail(new DomainError('FILE_EMPTY', 'The uploaded file is empty.'));
          } else {
            resolve({ tempPath, filename: written.filename, size: written.size, sha256: written.sha256, head: written.head, fields });
          }
        },
        (error: unknown) => fail(error),
      );
    });
    req.on('aborted', () => fail(new DomainError('UPLOAD_ABORTED', 'The upload was aborted.')));
    req.pipe(parser);
  });
}
