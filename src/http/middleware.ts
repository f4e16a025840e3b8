import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { redactUrl } from '../log.js';
import { type Authenticator, credentialsOf } from './auth/principal.js';
import { setState, stateOf } from './context.js';
import { failure } from './envelope.js';
import { ApiError, fromCodedError } from './errors.js';

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
    throw new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as JSON (Content-Type: application/json).');
  }
  next();
};

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json(failure(404, 'NOT_FOUND', `No route for ${req.method} ${req.path}.`));
};

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

export const errorHandler: ErrorRequestHandler = (thrown: unknown, req: Request, res: Response, _next: NextFunction) => {
  const log = stateOf(req)?.log;
  const error = fromCodedError(thrown) ?? thrown;
  if (res.headersSent) {
    log?.error({ err: error }, 'error after headers were sent');
    res.destroy();
    return;
  }
  if (error instanceof ApiError) {
    for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
    res.status(error.status).json(failure(error.status, error.ecode, error.message, error.entities));
    return;
  }
  const parserError = error as BodyParserError;
  if (parserError?.type === 'entity.parse.failed') {
    res.status(400).json(failure(400, 'MALFORMED_JSON', 'The body is not valid JSON.'));
    return;
  }
  if (parserError?.type === 'entity.too.large') {
    res.status(413).json(failure(413, 'BODY_TOO_LARGE', `The body is larger than the limit of ${parserError.limit} bytes.`));
    return;
  }
  if (parserError?.type === 'encoding.unsupported' || parserError?.type === 'charset.unsupported') {
    res.status(415).json(failure(415, 'UNSUPPORTED_MEDIA_TYPE', 'The body encoding is not supported; send UTF-8 JSON.'));
    return;
  }
  log?.error({ err: error }, 'unhandled error');
  res.status(500).json(failure(500, 'INTERNAL_ERROR', 'Something went wrong on our side; the request changed nothing it did not report.'));
};
