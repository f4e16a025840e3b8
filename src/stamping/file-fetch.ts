import { DomainError } from '../errors.js';

export interface FileFetchOptions {
  /** Origins a file URL may name (the engine's FileAPI); anything else is refused before any request. */
  allowedOrigins: () => string[];
  /** Further restricts paths on an allowed origin (e.g. only the engine's `/file/<id>`). */
  allowedPath?: (url: URL) => boolean;
  /** Credentials for an origin (the engine key for the engine's own FileAPI), or none. */
  authorizationFor: (origin: string) => string | undefined;
  maxBytes: number;
  timeoutMs?: number;
}

/** Parses a file URL and refuses it unless it is http(s) on an allow-listed origin, without user info. */
export function allowedFileUrl(raw: string, origins: string[], allowedPath: (url: URL) => boolean = () => true): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DomainError('INVALID_FILE_URL', 'file must be an absolute http(s) URL.');
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.username || url.password) {
    throw new DomainError('INVALID_FILE_URL', 'file must be an absolute http(s) URL without credentials.');
  }
  if (!origins.includes(url.origin)) {
    throw new DomainError(
      'FILE_ORIGIN_NOT_ALLOWED',
      `Files are fetched only from the engine's FileAPI (${origins.join(', ') || 'none configured'}), not from ${url.origin}.`,
    );
  }
  if (!allowedPath(url)) throw new DomainError('FILE_ORIGIN_NOT_ALLOWED', `${url.pathname} is not a file of the engine's FileAPI.`);
  return url;
}

/** Downloads an allow-listed file: no redirects followed, a size limit while reading, a timeout. */
export async function fetchAllowedFile(raw: string, options: FileFetchOptions): Promise<{ bytes: Uint8Array; name: string }> {
  const url = allowedFileUrl(raw, options.allowedOrigins(), options.allowedPath);
  const authorization = options.authorizationFor(url.origin);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: authorization ? { authorization } : {},
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
  } catch (error) {
    throw new DomainError('FILE_DOWNLOAD_FAILED', `Downloading the file failed: ${(error as Error).message}.`);
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    throw new DomainError(
      'FILE_REDIRECT_REFUSED',
      `The file URL answered with a redirect (HTTP ${response.status}); redirects are not followed.`,
    );
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new DomainError('FILE_DOWNLOAD_FAILED', `Downloading the file failed with HTTP ${response.status}.`);
  }
  const declared = Number(response.headers.get('content-length') ?? '0');
  const tooLarge = () => new DomainError('FILE_TOO_LARGE', `The file is larger than the limit of ${options.maxBytes} bytes.`);
  if (declared > options.maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body?.getReader();
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > options.maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(Buffer.concat(chunks));
  const disposition = response.headers.get('content-disposition') ?? '';
  const named = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1];
  const fromPath = decodeURIComponent(url.pathname.split('/').pop() ?? '');
  let name = 'document.pdf';
  try {
    name = named ? decodeURIComponent(named) : /\.pdf$/i.test(fromPath) ? fromPath : name;
  } catch {
    // keep the default name
  }
  return { bytes, name };
}
