// The provider sandboxes are test fakes: the production build (tsconfig.json) must not contain them,
// nor anything that starts or imports one.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SANDBOX_CODE = /start(Esign|Zoho|SpaceSign|Xuper)Sandbox|SandboxSigner|SandboxAuthority|sandboxes\//;

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
}

it('builds without any sandbox code', () => {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'build-'));
  try {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    // Type errors are tsc --noEmit's business; this is about what the build contains.
    const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--noCheck', '--sourceMap', 'false', '--outDir', outDir], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const files = filesUnder(outDir).map((file) => path.relative(outDir, file));
    expect(files).toContain(path.join('src', 'service.js'));
    // src/ and the workspace packages it imports by name (tsconfig paths compile their source along).
    expect(files.filter((file) => !/^(src|packages)[\\/]/.test(file) || /sandbox/i.test(file))).toEqual([]);
    expect(files.filter((file) => SANDBOX_CODE.test(fs.readFileSync(path.join(outDir, file), 'utf8')))).toEqual([]);
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}, 600_000);
