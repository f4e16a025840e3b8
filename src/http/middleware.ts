import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { redactUrl } from '../log.js';
import { type Authenticator, credentialsOf } from './auth/principal.js';
import { setState, stateOf } from './context.js';
import { failure } from './envelope.js';
import { DomainError } from '../errors.js';
import { type HttpFailure, failureOf, httpFailureOf } from './error-status.js';

/** Request id (taken from X-Request-Id when sane), a child logger, and one log line per request. */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    const log = logger.child({ reqId: id });
    setState(req, { id, log, principal: null });
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log.info({ method: req.method, url: redactUrl(req.originalUrl), status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  };
}

export function authenticate(authenticator: Authenticator): RequestHandler {
  return async (req, _res, next) => {
    stateOf(req).principal = await authenticator.authenticate(credentialsOf(req));
    next();
  };
}

/** Refuses non-JSON bodies on routes that take JSON (express.json leaves them undefined). */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (!req.is('application/json')) {
    throw new DomainError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as JSON (Content-Type: application/json).');
  }
  next();
};

function answer(res: Response, failed: HttpFailure): void {
  for (const [name, value] of Object.entries(failed.headers)) res.setHeader(name, value);
  res.status(failed.status).json(failure(failed.status, failed.ecode, failed.message, failed.entities));
}

export const notFoundHandler: RequestHandler = (req, res) => {
  answer(res, failureOf('NOT_FOUND', `No route for ${req.method} ${req.path}.`));
};

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

export const errorHandler: ErrorRequestHandler = (thrown: unknown, req: Request, res: Response, _next: NextFunction) => {
  const log = stateOf(req)?.log;
  if (res.headersSent) {
    log?.error({ err: thrown }, 'error after headers were sent');
    res.destroy();
    return;
  }
  const known = httpFailureOf(thrown) ?? bodyParserFailure(thrown as BodyParserError);
  if (known) return answer(res, known);
  const code = (thrown as { code?: unknown } | null)?.code;
  log?.error(
    { err: thrown },
    thrown instanceof DomainError ? `error code ${String(code)} has no HTTP status in src/http/error-status.ts` : 'unhandled error',
  );
  answer(res, failureOf('INTERNAL_ERROR', 'Something went wrong on our side; the request changed nothing it did not report.'));
};

function bodyParserFailure(error: BodyParserError | null): HttpFailure | undefined {
  switch (error?.type) {
    case 'entity.parse.failed':
      return failureOf('MALFORMED_JSON', 'The body is not valid JSON.');
    case 'entity.too.large':
      return failureOf('BODY_TOO_LARGE', `The body is larger than the limit of ${error.limit} bytes.`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return failureOf('UNSUPPORTED_MEDIA_TYPE', 'The body encoding is not supported; send UTF-8 JSON.');
    default:
      return undefined;
  }
}
