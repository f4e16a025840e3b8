import { inflateRawSync } from 'node:zlib';
import { DomainError } from '../../errors.js';

export interface ZipLimits {
  /** Largest total uncompressed size of all entries (default 50 MiB). */
  maxUnzippedBytes: number;
  /** Most entries (default 2000). */
  maxEntries: number;
  /** Largest compression ratio of an entry above 1 MiB (default 200:1). */
  maxRatio: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxUnzippedBytes: 50 * 1024 * 1024, maxEntries: 2000, maxRatio: 200 };

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

const notDocx = (message: string) => new DomainError('NOT_DOCX', message);
const tooLarge = (message: string) => new DomainError('ZIP_TOO_LARGE', message);

/**
 * Checks a DOCX before anything inflates it: a real zip, no ZIP64, at most `maxEntries` entries,
 * declared sizes within limits and sane ratios, and then each entry's *actual* inflated size (a
 * zip can lie about sizes; inflation stops one byte past the declared size). Returns the entries.
 */
export function guardZip(bytes: Uint8Array, limits: ZipLimits = DEFAULT_ZIP_LIMITS): ZipEntry[] {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < 22 || buffer.readUInt32LE(0) !== 0x04034b50)
    throw notDocx('The file is not a Word document (.docx): it is not a zip package.');
  const eocd = findEndOfCentralDirectory(buffer);
  if (eocd < 0) throw notDocx('The .docx package is damaged: its zip directory is missing.');
  const count = buffer.readUInt16LE(eocd + 10);
  const directorySize = buffer.readUInt32LE(eocd + 12);
  const directoryOffset = buffer.readUInt32LE(eocd + 16);
  if (count === 0xffff || directoryOffset === 0xffffffff) throw tooLarge('ZIP64 packages are not accepted as Word templates.');
  if (count > limits.maxEntries) throw tooLarge(`The package has ${count} entries; at most ${limits.maxEntries} are accepted.`);
  if (directoryOffset + directorySize > buffer.length)
    throw notDocx('The .docx package is damaged: its zip directory points outside the file.');

  const entries: ZipEntry[] = [];
  let at = directoryOffset;
  let total = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > buffer.length || buffer.readUInt32LE(at) !== 0x02014b50)
      throw notDocx('The .docx package is damaged: a zip directory entry is unreadable.');
    const method = buffer.readUInt16LE(at + 10);
    const compressedSize = buffer.readUInt32LE(at + 20);
    const uncompressedSize = buffer.readUInt32LE(at + 24);
    const nameLength = buffer.readUInt16LE(at + 28);
    const extraLength = buffer.readUInt16LE(at + 30);
    const commentLength = buffer.readUInt16LE(at + 32);
    const localHeaderOffset = buffer.readUInt32LE(at + 42);
    const name = buffer.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    total += uncompressedSize;
    if (total > limits.maxUnzippedBytes)
      throw tooLarge(`The package expands to more than ${Math.round(limits.maxUnzippedBytes / 1048576)} MiB.`);
    if (uncompressedSize > 1024 * 1024 && uncompressedSize > compressedSize * limits.maxRatio) {
      throw tooLarge(`The entry ${name.slice(0, 80)} is compressed more than ${limits.maxRatio}:1, which only zip bombs do.`);
    }
    if (method !== 0 && method !== 8) throw notDocx(`The entry ${name.slice(0, 80)} uses an unsupported zip compression method.`);
    entries.push({ name, method, compressedSize, uncompressedSize, localHeaderOffset });
  }
  for (const entry of entries) checkActualSize(buffer, entry);
  const names = new Set(entries.map((entry) => entry.name));
  if (!names.has('[Content_Types].xml') || !names.has('word/document.xml')) {
    throw notDocx('The file is a zip package but not a Word document (.docx): word/document.xml is missing.');
  }
  return entries;
}

function findEndOfCentralDirectory(buffer: Buffer): number {
  const stop = Math.max(0, buffer.length - 22 - 0xffff);
  for (let at = buffer.length - 22; at >= stop; at--) if (buffer.readUInt32LE(at) === 0x06054b50) return at;
  return -1;
}

function checkActualSize(buffer: Buffer, entry: ZipEntry): void {
  const at = entry.localHeaderOffset;
  if (at + 30 > buffer.length || buffer.readUInt32LE(at) !== 0x04034b50)
    throw notDocx(`The .docx package is damaged at ${entry.name.slice(0, 80)}.`);
  const start = at + 30 + buffer.readUInt16LE(at + 26) + buffer.readUInt16LE(at + 28);
  const data = buffer.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) {
    if (data.length !== entry.uncompressedSize) throw notDocx(`The .docx package is damaged at ${entry.name.slice(0, 80)}.`);
    return;
  }
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(data, { maxOutputLength: entry.uncompressedSize + 1 });
  } catch (error) {
    if (error instanceof RangeError || (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw tooLarge(`The entry ${entry.name.slice(0, 80)} expands beyond the size it declares.`);
    }
    throw notDocx(`The .docx package is damaged at ${entry.name.slice(0, 80)}.`);
  }
  if (inflated.length !== entry.uncompressedSize)
    throw tooLarge(`The entry ${entry.name.slice(0, 80)} does not expand to the size it declares.`);
}
