import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// One self-contained ES module (Lit, the verifier, PKI.js) that any page can load with
// <script type="module" src="…/plugin-ui/infoplus-signature.js">.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    minify: true,
    lib: {
      entry: fileURLToPath(new URL('./src/infoplus-signature.ts', import.meta.url)),
      formats: ['es'],
      fileName: () => 'infoplus-signature.js',
    },
  },
});
