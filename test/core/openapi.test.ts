// GET /openapi.json lists exactly the routes the express app registers, and is a valid OpenAPI 3.1 document.
import { Validator } from '@seriousme/openapi-schema-validator';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/openapi/catalogue.js';
import { openApiPaths } from '../../src/openapi/document.js';
import { startTestService, type TestService } from '../helpers/service.js';

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** `METHOD path` of every route registered on the app, through every mounted router. */
function registeredRoutes(app: Express): { routes: Set<string>; catchAll: Set<string> } {
  const routes = new Set<string>();
  const catchAll = new Set<string>();
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const path of [layer.route.path].flat()) {
          for (const [method, on] of Object.entries(layer.route.methods)) {
            if (!on) continue;
            if (method === '_all') catchAll.add(path);
            else routes.add(`${method.toUpperCase()} ${path}`);
          }
        }
      } else if (layer.handle.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return { routes, catchAll };
}

describe('the OpenAPI document', () => {
  let service: TestService;

  beforeAll(async () => {
    // Every optional front door on, so every route is registered.
    service = await startTestService({
      DEMO: 'true',
      ESIGN_BASE_URL: 'http://127.0.0.1:9/esign',
      ESIGN_PROJECT_ID: 'project',
      ESIGN_PROJECT_SECRET: 'esign-project-secret-0123456789',
      ZOHO_ACCOUNTS_URL: 'http://127.0.0.1:9/accounts',
      ZOHO_API_URL: 'http://127.0.0.1:9/api/v1',
      ZOHO_CLIENT_ID: 'client',
      ZOHO_CLIENT_SECRET: 'zoho-client-secret',
      ZOHO_REFRESH_TOKEN: 'zoho-refresh-token',
      ZOHO_WEBHOOK_TOKEN: 'zoho-webhook-token-0123456789abcdef',
      SPACESIGN_BASE_URL: 'http://127.0.0.1:9/spacesign',
      SPACESIGN_API_KEY: 'spacesign-api-key',
      SPACESIGN_WEBHOOK_SECRET: 'spacesign-webhook-secret-0123456789',
    });
  });

  afterAll(async () => {
    await service?.stop();
  });

  it('documents every route the app registers, and no other', () => {
    const app = service.server.listeners('request')[0] as Express;
    const { routes, catchAll } = registeredRoutes(app);
    const documented = new Set(ROUTES.filter((route) => !route.websocket).map((route) => `${route.method.toUpperCase()} ${route.path}`));
    expect([...routes].filter((route) => !documented.has(route)).sort(), 'registered but not in src/openapi/catalogue.ts').toEqual([]);
    expect([...documented].filter((route) => !routes.has(route)).sort(), 'in the catalogue but not registered').toEqual([]);
    // A catch-all (e.g. 405 for other methods) answers on a documented path.
    const paths = new Set(ROUTES.map((route) => route.path));
    expect([...catchAll].filter((path) => !paths.has(path))).toEqual([]);
  });

  it('is served without credentials and is a valid OpenAPI 3.1 document', async () => {
    const response = await service.json('/openapi.json', { auth: false });
    expect(response.status).toBe(200);
    const document = response.body;
    expect(document.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(Object.keys(document.paths).sort()).toEqual([...new Set(ROUTES.flatMap((route) => openApiPaths(route.path)))].sort());
    const operationIds = Object.values(document.paths).flatMap((operations: any) =>
      Object.values(operations).map((operation: any) => operation.operationId),
    );
    expect(new Set(operationIds).size).toBe(operationIds.length);
  });

  it('describes S2 with the contract schema, its auth and its ecodes', async () => {
    const document = (await service.json('/openapi.json', { auth: false })).body;
    const s2 = document.paths['/signature/{id}'].post;
    expect(s2.security).toEqual([{ engineBearer: [] }, { engineDigest: [] }]);
    expect(s2.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/SignaturePatch' });
    expect(s2.responses['409'].description).toContain('VERSION_CONFLICT');
    expect(s2['x-ecodes']).toEqual(expect.arrayContaining(['INVALID_REQUEST', 'UNAUTHORIZED', 'SIGNATURE_NOT_FOUND']));
    expect(document.components.schemas.Signature.properties.seals.items).toEqual({ $ref: '#/components/schemas/Seal' });
    expect(document.paths['/verify'].post.security).toEqual([{}]);
    expect(document.paths['/sign/{id}/seals/{index}'].post.security).toEqual([{ ticket: [] }, { ticketCookie: [] }]);
  });
});
