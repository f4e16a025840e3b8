import type { TSchema } from '@sinclair/typebox';
import { Envelope, Failure, FieldError } from '../contract/index.js';
import { type Body, type Caller, ROUTES, type RouteDoc } from './catalogue.js';
import { isErrorCode, ERROR_TABLE } from '../http/error-status.js';

type Json = Record<string, unknown>;

const BY_CALLER: Record<Caller, string[]> = {
  engine: ['UNAUTHORIZED', 'NONCE_REPLAYED', 'ENGINE_ONLY', 'TICKET_INVALID', 'TICKET_EXPIRED', 'TICKET_REVOKED'],
  ticket: ['UNAUTHORIZED', 'TICKET_INVALID', 'TICKET_EXPIRED', 'TICKET_REVOKED', 'TICKET_SCOPE', 'TICKET_IN_URL'],
  oauth: [],
  provider: [],
  anyone: [],
};
const JSON_BODY = ['INVALID_REQUEST', 'MALFORMED_JSON', 'BODY_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];
/** NOT_READY: every request meets it while the service starts (src/http/starting.ts). */
const EVERY_ROUTE = ['RATE_LIMITED', 'INTERNAL_ERROR', 'NOT_READY'];

const SECURITY: Record<Caller, Json[]> = {
  engine: [{ engineBearer: [] }, { engineDigest: [] }],
  ticket: [{ ticket: [] }, { ticketCookie: [] }],
  oauth: [{ oauth: [] }],
  provider: [{}],
  anyone: [{}],
};

/** Every ecode a route can answer: its own, its callers', its body's and every route's. */
export function ecodesOf(route: RouteDoc): string[] {
  const codes = [...route.ecodes, ...route.callers.flatMap((caller) => BY_CALLER[caller]), ...EVERY_ROUTE];
  if (route.body && 'json' in route.body) codes.push(...JSON_BODY);
  return [...new Set(codes)].sort();
}

/** `/a/:id{/:code}` → `/a/{id}` and `/a/{id}/{code}`. */
export function openApiPaths(expressPath: string): string[] {
  const optional = /\{([^}]*)\}/.exec(expressPath);
  const variants = optional ? [expressPath.replace(optional[0], ''), expressPath.replace(optional[0], optional[1])] : [expressPath];
  return variants.map((path) => path.replace(/:([A-Za-z_]\w*)/g, '{$1}'));
}

/** Titled schemas become components; everywhere else they are referenced. */
class Components {
  readonly schemas: Record<string, Json> = {};

  ref(schema: TSchema): Json {
    return this.walk(JSON.parse(JSON.stringify(schema)), false) as Json;
  }

  private walk(node: unknown, isComponent: boolean): unknown {
    if (Array.isArray(node)) return node.map((item) => this.walk(item, false));
    if (node === null || typeof node !== 'object') return node;
    const object = node as Json;
    const title = typeof object.title === 'string' ? object.title : undefined;
    if (title && !isComponent) {
      if (!(title in this.schemas)) {
        this.schemas[title] = {};
        this.schemas[title] = this.walk(object, true) as Json;
      }
      return { $ref: `#/components/schemas/${title}` };
    }
    return Object.fromEntries(Object.entries(object).map(([key, value]) => [key, this.walk(value, false)]));
  }
}

function requestBody(body: Body, components: Components): Json {
  if ('json' in body) return { required: true, content: { 'application/json': { schema: components.ref(body.json) } } };
  if ('form' in body) return { required: true, content: { 'application/x-www-form-urlencoded': { schema: components.ref(body.form) } } };
  if ('bytes' in body) return { required: true, content: { [body.bytes]: { schema: { type: 'string', contentMediaType: body.bytes } } } };
  const properties = Object.fromEntries(
    Object.entries(body.multipart).map(([name, description]) => [
      name,
      name === 'file' ? { type: 'string', contentMediaType: 'application/octet-stream', description } : { type: 'string', description },
    ]),
  );
  return { required: true, content: { 'multipart/form-data': { schema: { type: 'object', required: body.required, properties } } } };
}

function success(route: RouteDoc, components: Components): Json {
  const answer = route.answer;
  if ('entities' in answer)
    return { description: 'Succeed (errno 0).', content: { 'application/json': { schema: components.ref(Envelope(answer.entities)) } } };
  if ('json' in answer) return { description: 'Succeed.', content: { 'application/json': { schema: components.ref(answer.json) } } };
  return { description: 'Succeed.', content: Object.fromEntries(answer.media.map((type) => [type, {}])) };
}

function failures(codes: string[]): Record<string, Json> {
  const byStatus = new Map<number, string[]>();
  for (const code of codes) {
    if (!isErrorCode(code)) throw new Error(`ecode ${code} has no HTTP status in src/http/error-status.ts`);
    const status = ERROR_TABLE[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus]
      .sort(([a], [b]) => a - b)
      .map(([status, ecodes]) => [
        String(status),
        {
          description: ecodes.join(', '),
          content: {
            'application/json': {
              schema: { allOf: [{ $ref: '#/components/schemas/Failure' }, { properties: { ecode: { enum: ecodes } } }] },
            },
          },
        },
      ]),
  );
}

function operation(route: RouteDoc, path: string, components: Components): Json {
  const parameters = [
    ...[...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
    ...(route.query ?? []).map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
  ];
  const codes = ecodesOf(route);
  const responses: Json = route.websocket
    ? { '101': { description: 'Switching Protocols: the WebSocket is open.' } }
    : { '200': success(route, components) };
  return {
    operationId: `${route.method}${path.replace(/\{(\w+)\}/g, 'By-$1').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    tags: [route.tag],
    summary: route.summary,
    security: route.callers.flatMap((caller) => SECURITY[caller]),
    'x-callers': route.callers,
    'x-ecodes': codes,
    ...(route.websocket ? { 'x-websocket': true } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(route.body ? { requestBody: requestBody(route.body, components) } : {}),
    responses: { ...responses, ...failures(codes) },
  };
}

/** The OpenAPI 3.1 document of the REST API, from the route catalogue and the contract's schemas. */
export function openApiDocument(version: string, routes: RouteDoc[] = ROUTES): Json {
  const components = new Components();
  components.ref(Failure);
  components.ref(FieldError);
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    for (const path of openApiPaths(route.path)) (paths[path] ??= {})[route.method] = operation(route, path, components);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'InfoPlus signature service',
      version,
      description:
        'Every JSON answer is the InfoPlus envelope {errno, ecode, error, entities}; on failure errno is the HTTP status and ecode names the failure (listed per operation in x-ecodes).',
    },
    tags: [...new Set(routes.map((route) => route.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: components.schemas,
      securitySchemes: {
        engineBearer: { type: 'http', scheme: 'bearer', description: 'An engine key from ENGINE_KEYS.' },
        engineDigest: {
          type: 'http',
          scheme: 'digest',
          description:
            'InfoPlus Digest: response = MD5(MD5(code:domain:secret):nonce:MD5(METHOD:uri)), nonce "<anything>-<unixSeconds>", accepted once.',
        },
        ticket: {
          type: 'apiKey',
          in: 'header',
          name: 'X-InfoPlus-Ticket',
          description: 'An end-user ticket (POST /signature/{id}/tickets).',
        },
        ticketCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: 'ips_ticket',
          description: "The signing page's cookie, set by its first load with ?ticket=.",
        },
        oauth: {
          type: 'oauth2',
          flows: {
            clientCredentials: {
              tokenUrl: '/oauth/token',
              scopes: { 'seal:read': 'read seals', 'seal:sign': 'sign files', 'seal:admin': 'manage seals' },
            },
          },
        },
      },
    },
  };
}
