import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Two files (each with its source map) that any page can use:
// - infoplus-signature.js: the element, one ES module (Lit, the element, the worker client), loaded
//   with <script type="module" src="…/plugin-ui/infoplus-signature.js">;
// - infoplus-signature-verifier.js: the PDF verifier with PKI.js, one self-contained classic worker
//   script (no imports, so it also runs from a Blob URL on another origin's page), fetched by the
//   element on the first verify() only.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  logLevel: 'warn',
  // @infoplus/pdf-verify from its TypeScript source (tsconfig.json paths), not its build (dist/).
  resolve: { tsconfigPaths: true },
  // Relative URLs: the verifier is found next to the element's module, wherever that is served.
  base: './',
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    minify: true,
    // Bundling the worker inside the element's build is slow by nature; no timing warning for it.
    rolldownOptions: { checks: { pluginTimings: false } },
    lib: {
      entry: fileURLToPath(new URL('./src/infoplus-signature.ts', import.meta.url)),
      formats: ['es'],
      fileName: () => 'infoplus-signature.js',
    },
  },
  worker: {
    format: 'iife',
    rolldownOptions: { output: { entryFileNames: 'infoplus-signature-verifier.js' } },
  },
});
