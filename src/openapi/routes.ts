import { Router } from 'express';
import { openApiDocument } from './document.js';

/** `GET /openapi.json`: the REST API's OpenAPI 3.1 document, for anyone. */
export function openApiRoutes(version: string): Router {
  const router = Router();
  let document: string | undefined;
  router.get('/openapi.json', (_req, res) => {
    document ??= JSON.stringify(openApiDocument(version));
    res.type('application/json').send(document);
  });
  return router;
}
