import express, { type ErrorRequestHandler, type Express, type Router } from 'express';
import type { Logger } from 'pino';
import type { Config } from './config/index.js';
import type { Authenticator } from './http/auth/principal.js';
import { cors } from './http/cors.js';
import { authenticate, errorHandler, notFoundHandler, requestContext } from './http/middleware.js';
import { type RateLimits, rateLimitByIp, rateLimitByPrincipal } from './http/rate-limit.js';

/**
 * Assembles the express app: common middleware, the given routers in order, then 404 and errors
 * (`errorHandlers` first: a front door that answers errors in its own shape, e.g. GraphQL). No I/O here.
 */
export function createApp(
  config: Config,
  logger: Logger,
  authenticator: Authenticator,
  routers: Router[],
  errorHandlers: ErrorRequestHandler[] = [],
  limits?: RateLimits,
): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.set('trust proxy', false);
  app.use(requestContext(logger));
  app.use(cors(config.corsOrigins));
  app.use(
    express.json({
      limit: config.jsonBodyLimitBytes,
      type: ['application/json', 'application/*+json'],
      // Signed callbacks are verified over the exact bytes received.
      verify: (req, _res, buffer) => {
        (req as unknown as { rawBody?: Buffer }).rawBody = buffer;
      },
    }),
  );
  if (limits) app.use(rateLimitByIp(limits));
  app.use(authenticate(authenticator));
  if (limits) app.use(rateLimitByPrincipal(limits));
  for (const router of routers) app.use(router);
  app.use(notFoundHandler);
  for (const handler of errorHandlers) app.use(handler);
  app.use(errorHandler);
  return app;
}
