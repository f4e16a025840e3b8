import { isId } from '../util/ids.js';

/** Builds and reads the `uri`s of files in our own store: `<publicUrl>/file/<id>`. */
export class FileUris {
  private readonly base: string;

  /** `publicUrl`: the service's public base URL (known before anything is built: the port is bound first). */
  constructor(publicUrl: string) {
    this.base = publicUrl.replace(/\/+$/, '');
  }

  get publicUrl(): string {
    return this.base;
  }

  forFile(id: string): string {
    return `${this.base}/file/${id}`;
  }

  /** The file id when `uri` names a file in this store (absolute on our origin, or a `/file/<id>` path). */
  fileIdOf(uri: string): string | undefined {
    let pathname: string;
    if (uri.startsWith('/')) {
      pathname = uri.split(/[?#]/)[0];
    } else {
      let parsed: URL;
      try {
        parsed = new URL(uri);
      } catch {
        return undefined;
      }
      if (!this.base || parsed.origin !== new URL(this.base).origin) return undefined;
      pathname = parsed.pathname;
    }
    const basePath = this.base ? new URL(this.base).pathname.replace(/\/+$/, '') : '';
    const match = /^(.*)\/file\/([^/]+)$/.exec(pathname);
    if (!match || !isId(match[2])) return undefined;
    if (match[1] !== '' && match[1] !== basePath) return undefined;
    return match[2];
  }
}
