import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { fileRoutes } from './files/routes.js';
import type { Authenticator } from './http/auth/principal.js';
import { cors } from './http/cors.js';
import { healthRoutes } from './http/health.js';
import { authenticate, errorHandler, notFoundHandler, requestContext } from './http/middleware.js';
import { signatureRoutes } from './signature/routes.js';
import type { SignatureService } from './signature/service.js';
import type { Db } from './store/db.js';
import type { FileStore } from './store/files.js';
import type { FileUris } from './store/file-uri.js';
import type { SignatureRepository } from './store/signatures.js';

export interface AppParts {
  config: Config;
  logger: Logger;
  db: Db;
  files: FileStore;
  uris: FileUris;
  signatureRepo: SignatureRepository;
  signatures: SignatureService;
  authenticator: Authenticator;
  ticketSecret: string;
}

/** Assembles the express app from its parts; no I/O happens here. */
export function createApp(parts: AppParts): Express {
  const { config } = parts;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(requestContext(parts.logger));
  app.use(cors(config.corsOrigins));
  app.use(express.json({ limit: config.jsonBodyLimitBytes, type: ['application/json', 'application/*+json'] }));
  app.use(authenticate(parts.authenticator));

  app.use(healthRoutes(parts.db, config.dataDir));
  app.use(fileRoutes(parts.files, parts.uris, config.uploadLimitBytes, (fileId, signatureId) => parts.signatureRepo.references(signatureId, fileId)));
  app.use(signatureRoutes(parts.signatures, { secret: parts.ticketSecret, ttlSeconds: config.ticketTtlSeconds }));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
