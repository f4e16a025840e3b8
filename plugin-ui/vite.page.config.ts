import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The public verification page's script, verify-page.js, built next to the element (after it, so
// the first build's emptyOutDir does not remove it). It bundles no verifier: it starts the element's
// verifier worker, infoplus-signature-verifier.js, served from the same directory.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  logLevel: 'warn',
  // @infoplus/pdf-verify from its TypeScript source (tsconfig.json paths), not its build (dist/).
  resolve: { tsconfigPaths: true },
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: false,
    target: 'es2022',
    sourcemap: true,
    minify: true,
    lib: {
      entry: fileURLToPath(new URL('./src/verify-page.ts', import.meta.url)),
      formats: ['es'],
      fileName: () => 'verify-page.js',
    },
  },
});
