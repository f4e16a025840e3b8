// The layer rules of src/ (see ARCHITECTURE.md), checked by `npm run lint` and test/architecture/layers.test.ts.
// Lower layers never reach up: util → pdf/pki/export → store → domain → orchestration → edge → composition.
// The edge and the composition root (compose/ holds its composers, which may import everything).
const EDGE = '^src/(http|routes|graphql|openapi|push|compose)/|^src/(app|service|main|launch|worker)\\.ts$';
const DOMAIN_AND_BELOW =
  '^src/(util|validation|contract|pdf|pki|export|store|seals|signature|providers|mfa|audit|webhooks|verification|proof|scale|stamping|batch)/|^src/(errors|log)\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules import each other in a cycle.',
      from: { path: '^(src|packages|plugin-ui)/' },
      to: { circular: true },
    },
    {
      name: 'domain-knows-no-http',
      severity: 'error',
      comment: 'Domain code throws DomainError and knows nothing of HTTP, routes, GraphQL, the ws hub or the wiring.',
      from: { path: DOMAIN_AND_BELOW },
      to: { path: EDGE },
    },
    {
      name: 'base-stays-at-the-base',
      severity: 'error',
      comment: 'util/, validation/, contract/, errors.ts and log.ts depend on nothing else of the service.',
      from: { path: '^src/(util|validation|contract)/|^src/(errors|log)\\.ts$' },
      to: { path: '^src/', pathNot: '^src/(util|validation|contract)/|^src/(errors|log)\\.ts$' },
    },
    {
      name: 'libraries-below-the-store',
      severity: 'error',
      comment: 'pdf/, pki/, export/office/ and export/fill/ (bytes in, bytes out) know nothing of records, seals or providers.',
      from: { path: '^src/(pdf|pki|export/office|export/fill)/' },
      to: { path: '^src/', pathNot: '^src/(pdf|pki|export|util|validation|contract)/|^src/(errors|log)\\.ts$' },
    },
    {
      name: 'store-below-the-domain',
      severity: 'error',
      comment: 'Repositories persist; they do not call domain services.',
      from: { path: '^src/store/' },
      to: { path: '^src/', pathNot: '^src/(store|util|validation|contract|pki)/|^src/(errors|log)\\.ts$' },
    },
    {
      name: 'no-test-code-in-the-product',
      severity: 'error',
      comment: 'Sandboxes and test helpers are not part of the product.',
      from: { path: '^(src|packages/[^/]+/src|plugin-ui/src)/' },
      to: { path: '^test/|/sandboxes/' },
    },
    {
      name: 'packages-stand-alone',
      severity: 'error',
      comment: 'A workspace package imports nothing from the service or the web component.',
      from: { path: '^packages/' },
      to: { path: '^(src|plugin-ui)/' },
    },
    {
      name: 'widget-shares-only-the-contract',
      severity: 'error',
      comment: 'The web component shares the contract with the server, nothing else.',
      from: { path: '^plugin-ui/' },
      to: { path: '^src/', pathNot: '^src/contract/' },
    },
    {
      name: 'composers-serve-the-root',
      severity: 'error',
      comment: 'The composers of src/compose/ are called by service.ts (and each other) only; the edge never wires the service.',
      from: { path: '^src/', pathNot: '^src/compose/|^src/service\\.ts$' },
      to: { path: '^src/compose/' },
    },
    {
      name: 'entry-points-are-not-imported',
      severity: 'error',
      comment: 'main.ts and worker.ts start processes; nothing imports them.',
      from: {},
      to: { path: '^src/(main|worker)\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
