import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { asOfficeError, conversionFailed, pdfOutput, timedOut } from './errors.js';
import { prepareProfile } from './profile.js';

/** Where libreoffice-convert itself looks for soffice on Linux. */
const SOFFICE_CANDIDATES = ['/usr/bin/soffice', '/usr/bin/libreoffice', '/opt/libreoffice/program/soffice', '/snap/bin/libreoffice'];

type ConvertWithOptions = (
  document: Buffer,
  format: string,
  filter: string | undefined,
  options: Record<string, unknown>,
  callback: (err: NodeJS.ErrnoException | null, data: Buffer) => void,
) => void;

let loaded:
  Promise<(document: Buffer, format: string, filter: string | undefined, options: Record<string, unknown>) => Promise<Buffer>> | undefined;

function libreConvert() {
  loaded ??= import('libreoffice-convert').then((mod) => {
    const m = mod as unknown as { convertWithOptions?: ConvertWithOptions; default?: { convertWithOptions: ConvertWithOptions } };
    const fn = m.convertWithOptions ?? m.default?.convertWithOptions;
    if (!fn) throw new Error('libreoffice-convert has no convertWithOptions');
    return promisify(fn);
  });
  return loaded;
}

/**
 * The degraded mode: `libreoffice-convert`, which starts the `soffice` wrapper (with a throw-away profile)
 * for every document — about 1.5 s or more per page instead of ~50 ms. Used only when no pool worker can
 * start. Its soffice is killed (SIGKILL to the wrapper) when the job exceeds its timeout. Unlike the pool
 * it does not reject bytes LibreOffice reads as plain text.
 *
 * libreoffice-convert gives soffice a fresh default profile per call, which would fetch external links.
 * soffice honours the first `-env:UserInstallation` argument, so each runner hands libreoffice-convert a
 * small wrapper script that puts the hardened profile (see profile.ts) first. One runner converts one
 * document at a time, so its profile is never shared by two soffice processes.
 */
export class FallbackRunner {
  state: 'idle' | 'busy' | 'dead' = 'idle';
  conversions = 0;

  private sofficePaths: string[] = [];

  constructor(
    readonly index: number,
    private readonly tmpDir: string,
    private readonly workDir: string,
  ) {}

  /** Writes the hardened profile and the wrapper script (skipped if no soffice is found: libreoffice-convert then reports it). */
  async init(): Promise<void> {
    const soffice = SOFFICE_CANDIDATES.find((candidate) => existsSync(candidate));
    if (!soffice) return;
    const profileUrl = await prepareProfile(path.join(this.workDir, `fallback-profile-${this.index}`));
    const wrapper = path.join(this.workDir, `fallback-soffice-${this.index}.sh`);
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    await fs.writeFile(wrapper, `#!/bin/sh\nexec ${quote(soffice)} ${quote(`-env:UserInstallation=${profileUrl}`)} "$@"\n`, {
      mode: 0o755,
    });
    this.sofficePaths = [wrapper];
  }

  async convert(input: Buffer, ext: string, timeoutMs: number): Promise<Buffer> {
    this.state = 'busy';
    let timer: NodeJS.Timeout | undefined;
    try {
      const convert = await libreConvert();
      const job = convert(input, '.pdf', undefined, {
        fileName: `document${ext}`,
        sofficeBinaryPaths: this.sofficePaths,
        tmpOptions: { tmpdir: path.resolve(this.tmpDir) },
        execOptions: { timeout: timeoutMs, killSignal: 'SIGKILL' },
      }).catch((error: NodeJS.ErrnoException & { killed?: boolean; signal?: string }) => {
        if (error.killed || error.signal) throw timedOut(timeoutMs);
        throw conversionFailed(`libreoffice-convert: ${error.message}`);
      });
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timedOut(timeoutMs)), timeoutMs + 2000);
      });
      const pdf = pdfOutput(await Promise.race([job, deadline]));
      this.conversions++;
      return pdf;
    } catch (error) {
      throw asOfficeError(error);
    } finally {
      clearTimeout(timer);
      if (this.state === 'busy') this.state = 'idle';
    }
  }

  processes(): { soffice?: number; python?: number } {
    return {};
  }

  pids(): number[] {
    return [];
  }

  async kill(): Promise<void> {
    this.state = 'dead';
  }
}
