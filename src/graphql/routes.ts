import fs from 'node:fs';
import path from 'node:path';
import { type ErrorRequestHandler, type Request, type Response, Router } from 'express';
import { GraphQLError, NoSchemaIntrospectionCustomRule, buildSchema, type GraphQLSchema } from 'graphql';
import { createHandler, type Handler } from 'graphql-http';
import type { GraphqlConfig } from '../config/index.js';
import { type OAuthClientPrincipal, OAuthServer } from '../http/auth/oauth.js';
import { stateOf } from '../http/context.js';
import { httpFailureOf } from '../http/error-status.js';
import { projectRoot } from '../util/project-root.js';
import { type Caller, callerOf } from './caller.js';
import { costRule, depthRule } from './limits.js';
import { type GraphqlContext, type ResolverDeps, createRootValue } from './resolvers.js';

export const SCHEMA_FILE = path.join(projectRoot(), 'src', 'graphql', 'schema.graphql');

let schemaCache: { text: string; schema: GraphQLSchema } | undefined;
export function loadSchema(): { text: string; schema: GraphQLSchema } {
  if (!schemaCache) {
    const text = fs.readFileSync(SCHEMA_FILE, 'utf8');
    schemaCache = { text, schema: buildSchema(text) };
  }
  return schemaCache;
}

export interface GraphqlRouteOptions extends ResolverDeps {
  config: GraphqlConfig;
  oauth: OAuthServer;
}

interface RequestContext {
  caller: Caller;
  log: ReturnType<typeof stateOf>['log'];
}

const GRAPHQL_MEDIA = 'application/graphql-response+json; charset=utf-8';
const JSON_MEDIA = 'application/json; charset=utf-8';

/** The error's ecode (and HTTP status) for clients, from the one table; anything else is an internal error. */
function describe(
  error: unknown,
): { ecode: string; status: number; message: string; entities?: unknown[]; headers: Record<string, string> } | undefined {
  const known = httpFailureOf(error);
  if (!known) return undefined;
  return {
    ecode: known.ecode,
    status: known.status,
    message: known.message,
    headers: known.headers,
    ...(known.entities.length ? { entities: known.entities } : {}),
  };
}

/** GraphQL errors carry extensions.ecode with our ecodes (and the status the REST API would answer). */
function formatError(log: RequestContext['log'] | undefined) {
  return (error: Readonly<GraphQLError | Error>): GraphQLError | Error => {
    if (!(error instanceof GraphQLError)) return new GraphQLError(error.message, { extensions: { ecode: 'INVALID_REQUEST', status: 400 } });
    if (error.extensions?.ecode) return error;
    const original = error.originalError;
    if (!original) {
      const ecode = error.message.startsWith('Syntax Error')
        ? 'GRAPHQL_PARSE_FAILED'
        : /introspection has been disabled/i.test(error.message)
          ? 'INTROSPECTION_DISABLED'
          : 'GRAPHQL_VALIDATION_FAILED';
      return new GraphQLError(error.message, {
        nodes: error.nodes,
        source: error.source,
        positions: error.positions,
        path: error.path,
        extensions: { ...error.extensions, ecode },
      });
    }
    const known = describe(original);
    if (known) {
      return new GraphQLError(known.message, {
        nodes: error.nodes,
        path: error.path,
        extensions: { ecode: known.ecode, status: known.status, ...(known.entities ? { entities: known.entities } : {}) },
      });
    }
    if (original instanceof GraphQLError) return original;
    // Argument coercion errors (a bad variable) are the client's; anything else is ours.
    if (/^(Variable|Argument|Expected|Int cannot|Float cannot|String cannot|Boolean cannot)/.test(original.message)) {
      return new GraphQLError(original.message, {
        nodes: error.nodes,
        path: error.path,
        extensions: { ecode: 'INVALID_REQUEST', status: 400 },
      });
    }
    log?.error({ err: original, path: error.path }, 'GraphQL resolver failed');
    return new GraphQLError('Something went wrong on our side; the request changed nothing it did not report.', {
      nodes: error.nodes,
      path: error.path,
      extensions: { ecode: 'INTERNAL_ERROR', status: 500 },
    });
  };
}

function acceptsGraphqlResponse(req: Request): boolean {
  return /application\/graphql-response\+json/i.test(req.headers.accept ?? '');
}

/** A request refused before any operation runs (no credential, too large, batch too big): a GraphQL-shaped body with the status. */
function refuse(req: Request, res: Response, status: number, ecode: string, message: string, headers: Record<string, string> = {}): void {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res
    .status(status)
    .type(acceptsGraphqlResponse(req) ? GRAPHQL_MEDIA : JSON_MEDIA)
    .send(JSON.stringify({ errors: [{ message, extensions: { ecode, status } }] }));
}

/**
 * SignatureAPI v2: `POST /graphql` (and `GET` for queries) per GraphQL-over-HTTP with graphql-http,
 * batches of up to `maxBatch` operations (a JSON array), `GET /graphql/schema` (the SDL file).
 */
export function graphqlRoutes(options: GraphqlRouteOptions): { router: Router; errorHandler: ErrorRequestHandler } {
  const { schema, text } = loadSchema();
  const { config } = options;
  const rootValue = createRootValue(options);
  const handler: Handler<Request, RequestContext> = createHandler<Request, RequestContext, GraphqlContext>({
    schema,
    rootValue,
    context: (req) => ({ caller: req.context.caller }),
    validationRules: (_req, args, specified) => [
      ...specified,
      depthRule(config.maxDepth),
      costRule(config.maxCost, args.variableValues as Record<string, unknown> | undefined, args.operationName ?? undefined),
      ...(config.introspection ? [] : [NoSchemaIntrospectionCustomRule]),
    ],
    formatError: (error) => formatError(undefined)(error),
    onOperation: (req, _args, result) => {
      // Re-format with the request's logger so internal errors are logged with the request id.
      if (!result.errors) return;
      return { ...result, errors: result.errors.map((error) => formatError(req.context.log)(error) as GraphQLError) };
    },
  });

  const router = Router();
  router.get('/graphql/schema', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.type('text/plain; charset=utf-8').send(text);
  });

  const endpoint = async (req: Request, res: Response) => {
    const state = stateOf(req);
    const raw = (req as unknown as { rawBody?: Buffer }).rawBody;
    const declared = Number(req.headers['content-length'] ?? '0');
    if ((raw?.length ?? 0) > config.bodyLimitBytes || declared > config.bodyLimitBytes) {
      return refuse(req, res, 413, 'BODY_TOO_LARGE', `The request is larger than the limit of ${config.bodyLimitBytes} bytes.`);
    }
    if (req.method === 'GET' && req.originalUrl.length > config.bodyLimitBytes) {
      return refuse(req, res, 414, 'URI_TOO_LONG', `The request URL is longer than ${config.bodyLimitBytes} bytes.`);
    }
    let client: OAuthClientPrincipal | undefined;
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization?.trim() ?? '');
    if (bearer && OAuthServer.looksLikeToken(bearer[1])) client = options.oauth.verify(bearer[1]);
    const caller = callerOf(state.principal, client);
    if (!caller) {
      return refuse(
        req,
        res,
        401,
        'UNAUTHORIZED',
        'Authentication is required: an OAuth2 bearer token, an engine key, the InfoPlus digest or a user ticket.',
        { 'WWW-Authenticate': 'Bearer' },
      );
    }
    const context: RequestContext = { caller, log: state.log };
    const run = (body: unknown) =>
      handler({
        method: req.method,
        url: req.originalUrl,
        headers: req.headers,
        body: req.method === 'GET' ? null : (body as Record<string, unknown> | null),
        raw: req,
        context,
      });

    if (Array.isArray(req.body) && req.method === 'POST' && req.is('application/json')) {
      if (req.body.length === 0) return refuse(req, res, 400, 'INVALID_REQUEST', 'An empty batch.');
      if (req.body.length > config.maxBatch) {
        return refuse(req, res, 400, 'BATCH_TOO_LARGE', `A batch of ${req.body.length} operations; the limit is ${config.maxBatch}.`);
      }
      // Operations of a batch run one after another: a batch never runs more concurrently than one request.
      const results: Array<readonly [string | null, { status: number }]> = [];
      for (const item of req.body) results.push(await run(item));
      const status = results.every(([, init]) => init.status === 200)
        ? 200
        : (results.find(([, init]) => init.status !== 200)?.[1].status ?? 400);
      const media = acceptsGraphqlResponse(req) ? GRAPHQL_MEDIA : JSON_MEDIA;
      res
        .status(status)
        .type(media)
        .send(`[${results.map(([body]) => body ?? 'null').join(',')}]`);
      return;
    }
    const [body, init] = await run(req.body ?? null);
    for (const [name, value] of Object.entries(init.headers ?? {})) res.setHeader(name, value);
    res.status(init.status);
    if (body === null) {
      // graphql-http answers some refusals (406, 405, 415) without a body: say why, GraphQL-shaped.
      const ecode =
        init.status === 405
          ? 'METHOD_NOT_ALLOWED'
          : init.status === 406
            ? 'NOT_ACCEPTABLE'
            : init.status === 415
              ? 'UNSUPPORTED_MEDIA_TYPE'
              : 'INVALID_REQUEST';
      res.setHeader('Content-Type', JSON_MEDIA);
      res.send(JSON.stringify({ errors: [{ message: init.statusText || ecode, extensions: { ecode, status: init.status } }] }));
      return;
    }
    res.send(body);
  };
  router.get('/graphql', endpoint);
  router.post('/graphql', endpoint);
  router.all('/graphql', (req, res) => refuse(req, res, 405, 'METHOD_NOT_ALLOWED', 'Use GET (queries) or POST.', { Allow: 'GET, POST' }));

  // Failures before the endpoint runs (a bad engine key or ticket, malformed or oversized JSON) and
  // refusals it throws (an expired OAuth token) answer GraphQL-shaped too.
  const errorHandler: ErrorRequestHandler = (error, req, res, next) => {
    if (req.path !== '/graphql' || res.headersSent) return next(error);
    const parser = error as { type?: string; limit?: number };
    if (parser?.type === 'entity.parse.failed') return refuse(req, res, 400, 'MALFORMED_JSON', 'The body is not valid JSON.');
    if (parser?.type === 'entity.too.large')
      return refuse(req, res, 413, 'BODY_TOO_LARGE', `The body is larger than the limit of ${parser.limit} bytes.`);
    const known = describe(error);
    if (!known) return next(error);
    refuse(req, res, known.status, known.ecode, known.message, known.headers);
  };
  return { router, errorHandler };
}
