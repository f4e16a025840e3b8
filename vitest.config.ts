import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests start real servers, LibreOffice workers and Chromium: generous timeouts, and at most two
// test files at once on this 2-core machine.
export default defineConfig({
  // graphql 16 ships CommonJS (main) and ESM (module) builds; Node (and graphql-http, loaded by Node)
  // uses the CommonJS one, so the code under test must too, or schemas come from "another realm".
  // Workspace packages (@infoplus/pdf-verify) from their TypeScript source, not their build (dist/ is
  // made only by `npm run build`), for test files too (tsconfig paths cover only src/).
  resolve: {
    alias: [
      { find: /^graphql$/, replacement: 'graphql/index.js' },
      { find: /^@infoplus\/pdf-verify$/, replacement: fileURLToPath(new URL('./packages/pdf-verify/src/index.ts', import.meta.url)) },
      {
        find: /^@infoplus\/pdf-verify\/(node|types)$/,
        replacement: fileURLToPath(new URL('./packages/pdf-verify/src/$1.ts', import.meta.url)),
      },
    ],
    tsconfigPaths: true,
  },
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
    reporters: ['default', './test/reporters/summary.ts'],
  },
});
