import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The directory holding package.json (the repository or installed package), whether the code runs
 * from src/ (tsx, tests) or from the compiled dist/src/ (npm start): static assets, templates and the
 * web component bundle are read from there, not next to the compiled file.
 */
export function projectRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return (root = dir);
    dir = path.dirname(dir);
  }
  return (root = process.cwd());
}
