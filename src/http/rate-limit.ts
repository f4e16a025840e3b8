import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateRule, SecurityConfig } from '../config/security.js';
import { stateOf } from './context.js';
import { DomainError } from '../errors.js';

export type RateBucket = keyof SecurityConfig['rateLimits'];

/**
 * Makes the counter for one bucket, in the store RATE_LIMIT_STORE names: memory (one instance) or
 * Redis (every instance of a deployment counts against one budget).
 */
export type LimiterFactory = (bucket: RateBucket, rule: RateRule) => RateLimiterAbstract;

export const memoryLimiters: LimiterFactory = (bucket, rule) =>
  new RateLimiterMemory({ keyPrefix: bucket, points: rule.points, duration: rule.seconds });

/**
 * Counters in Redis under `<prefix>rl:<bucket>:<key>`. While Redis is unreachable each instance counts
 * in memory instead (the insurance limiter), so requests are limited, not failed; a key over its
 * budget is refused in memory until its window ends, sparing Redis the flood.
 */
export const redisLimiters =
  (client: Redis, prefix: string): LimiterFactory =>
  (bucket, rule) =>
    new RateLimiterRedis({
      storeClient: client,
      keyPrefix: `${prefix}rl:${bucket}`,
      points: rule.points,
      duration: rule.seconds,
      rejectIfRedisNotReady: true,
      inMemoryBlockOnConsumed: rule.points + 1,
      insuranceLimiter: memoryLimiters(bucket, rule),
    });

/** Per-bucket, per-key request budgets; an exhausted budget is `429 RATE_LIMITED` with Retry-After. */
export class RateLimits {
  private readonly limiters = new Map<RateBucket, RateLimiterAbstract>();

  constructor(rules: SecurityConfig['rateLimits'], factory: LimiterFactory = memoryLimiters) {
    for (const [bucket, rule] of Object.entries(rules) as Array<[RateBucket, RateRule]>) this.limiters.set(bucket, factory(bucket, rule));
  }

  async consume(bucket: RateBucket, key: string): Promise<void> {
    try {
      await this.limiters.get(bucket)!.consume(key);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const retryAfter = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw new DomainError('RATE_LIMITED', `Too many requests; try again in ${retryAfter} s.`, [{ bucket, retryAfter }]);
    }
  }
}

const EXEMPT = new Set(['/healthz']);
/** Static files served from memory with ETags (the bundle, the signing page's script and style). */
const STATIC = /^\/(?:plugin-ui|sign\/assets)\/[\w.-]+$/;
const exempt = (req: Request) => EXEMPT.has(req.path) || (req.method === 'GET' && STATIC.test(req.path));

function clientIp(req: Request): string {
  return req.socket.remoteAddress ?? 'unknown';
}

function carriesCredentials(req: Request): boolean {
  if (req.headers.authorization) return true;
  if (typeof req.query.ticket === 'string' || req.headers['x-infoplus-ticket'] !== undefined) return true;
  const body = req.body as { ticket?: unknown } | undefined;
  if (body && typeof body === 'object' && typeof body.ticket === 'string') return true;
  return /(?:^|;\s*)ips_ticket=/.test(req.headers.cookie ?? '');
}

const isVerifyUpload = (req: Request) => req.method === 'POST' && req.path === '/verify';

/**
 * Before authentication, per client IP: requests without credentials in the `anonymous` budget,
 * requests with credentials in the (larger) `credentialed` one, so guessing keys or tickets is
 * bounded too. `/healthz` and static assets are exempt; POST /verify has its own budget (below).
 */
export function rateLimitByIp(limits: RateLimits): RequestHandler {
  return async (req, _res, next) => {
    if (exempt(req)) return next();
    const credentialed = carriesCredentials(req);
    if (isVerifyUpload(req) && !credentialed) {
      await limits.consume('verify', `ip:${clientIp(req)}`);
      return next();
    }
    await limits.consume(credentialed ? 'credentialed' : 'anonymous', clientIp(req));
    next();
  };
}

/** After authentication: per ticket for end users, per credential for the engine; POST /verify per client. */
export function rateLimitByPrincipal(limits: RateLimits): RequestHandler {
  return async (req, _res, next) => {
    if (exempt(req)) return next();
    const principal = stateOf(req).principal;
    if (!principal) return next();
    const key = principal.kind === 'user' ? `ticket:${ticketKey(principal.claims)}` : `engine:${engineKey(req)}`;
    if (isVerifyUpload(req)) await limits.consume('verify', key);
    else await limits.consume(principal.kind === 'user' ? 'ticket' : 'engine', key);
    next();
  };
}

/** One ticket: its id, or (tickets from before ids) what it grants. */
export function ticketKey(claims: { jti?: string; sid: string; account: string; exp: number }): string {
  return claims.jti ?? `${claims.sid}:${claims.account}:${claims.exp}`;
}

function engineKey(req: Request): string {
  const header = req.headers.authorization ?? '';
  const digestUser = /username="([^"]{1,200})"/.exec(header)?.[1];
  if (/^Digest\s/i.test(header)) return `digest:${digestUser ?? ''}`;
  return createHash('sha256').update(header).digest('base64url').slice(0, 22);
}
