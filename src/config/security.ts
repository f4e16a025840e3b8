import path from 'node:path';
import { ConfigError, type Env, boolean, integer, list, origins } from './parse.js';

/** A rate: `points` requests per `seconds`. */
export interface RateRule {
  points: number;
  seconds: number;
}

/** The hardening settings of issue 12: demo opt-in, rate limits, resource caps, framing, trust anchors per provider. */
export interface SecurityConfig {
  /** The demo (/demo, /demo/session, /demo/create): an explicit opt-in, never in production. */
  demo: boolean;
  /** Where rate-limit counters live: `memory` (this instance), or `redis` (shared by every instance; the default with REDIS_URL). */
  rateLimitStore: 'memory' | 'redis';
  rateLimits: {
    /** Requests without credentials, per client IP (`/healthz` exempt). */
    anonymous: RateRule;
    /** Requests with credentials, per client IP (caps guessing of keys and tickets). */
    credentialed: RateRule;
    /** Per ticket, for end-user routes. */
    ticket: RateRule;
    /** Per engine credential. */
    engine: RateRule;
    /** POST /verify, per client (IP, ticket or engine key) and separate from the others. */
    verify: RateRule;
    /** POST /demo/create, per client IP. */
    demoCreate: RateRule;
  };
  /** pdftoppm previews rendered at once; more wait, and beyond the queue answer 503. */
  previewConcurrency: number;
  /** Live-push sockets per ticket and in total. */
  wsPerTicket: number;
  wsTotal: number;
  /** server.maxConnections: TCP connections held at once. */
  maxConnections: number;
  /** Document conversions one ticket may have queued or running at once. */
  conversionsPerTicket: number;
  /** Origins that may frame the signing page (frame-ancestors); none by default. */
  frameOrigins: string[];
  /** Per provider: PEM files of the CA(s) whose signatures in a returned PDF are trusted. */
  providerTrustAnchors: Record<string, string[]>;
}

const RATE_DEFAULTS: SecurityConfig['rateLimits'] = {
  anonymous: { points: 600, seconds: 60 },
  credentialed: { points: 3000, seconds: 60 },
  ticket: { points: 600, seconds: 60 },
  engine: { points: 12000, seconds: 60 },
  verify: { points: 60, seconds: 60 },
  demoCreate: { points: 10, seconds: 60 },
};

const RATE_VARIABLES: Record<keyof SecurityConfig['rateLimits'], string> = {
  anonymous: 'RATE_LIMIT_ANONYMOUS',
  credentialed: 'RATE_LIMIT_CREDENTIALED',
  ticket: 'RATE_LIMIT_TICKET',
  engine: 'RATE_LIMIT_ENGINE',
  verify: 'RATE_LIMIT_VERIFY',
  demoCreate: 'RATE_LIMIT_DEMO_CREATE',
};

function rate(env: Env, name: string, fallback: RateRule): RateRule {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const match = /^(\d{1,7})\/(\d{1,6})$/.exec(raw);
  if (!match || Number(match[1]) < 1 || Number(match[2]) < 1)
    throw new ConfigError(name, `must be <requests>/<seconds> such as 120/60, got "${raw}"`);
  return { points: Number(match[1]), seconds: Number(match[2]) };
}

function files(env: Env, name: string): string[] {
  return list(env, name).map((file) => path.resolve(file));
}

/** Secrets that are ours to choose (or whose strength is the webhook's only protection) have a floor. */
const SECRET_MINIMUMS: Record<string, number> = {
  DIGEST_SECRET: 16,
  ESIGN_PROJECT_SECRET: 16,
  SPACESIGN_WEBHOOK_SECRET: 24,
  ZOHO_WEBHOOK_TOKEN: 24,
};

export function loadSecurityConfig(env: Env, production: boolean, providerNames: readonly string[] = []): SecurityConfig {
  for (const [name, minimum] of Object.entries(SECRET_MINIMUMS)) {
    const value = env[name]?.trim();
    if (value && value.length < minimum) throw new ConfigError(name, `must be at least ${minimum} characters`);
  }

  const demo = boolean(env, 'DEMO', false);
  if (demo && production) throw new ConfigError('DEMO', 'must not be true when NODE_ENV=production (the demo hands out tickets)');

  const redisUrl = env.REDIS_URL?.trim();
  const store = env.RATE_LIMIT_STORE?.trim() || (redisUrl ? 'redis' : 'memory');
  if (store !== 'memory' && store !== 'redis') throw new ConfigError('RATE_LIMIT_STORE', `must be memory or redis, got "${store}"`);
  if (store === 'redis' && !redisUrl) throw new ConfigError('RATE_LIMIT_STORE', 'redis needs REDIS_URL');

  const rateLimits = Object.fromEntries(
    (Object.keys(RATE_DEFAULTS) as Array<keyof SecurityConfig['rateLimits']>).map((bucket) => [
      bucket,
      rate(env, RATE_VARIABLES[bucket], RATE_DEFAULTS[bucket]),
    ]),
  ) as SecurityConfig['rateLimits'];

  const frameOrigins = origins(env, 'FRAME_ORIGINS', 'https://form.example.edu.cn');

  return {
    demo,
    rateLimitStore: store,
    rateLimits,
    previewConcurrency: integer(env, 'PREVIEW_CONCURRENCY', 2, 1, 64),
    wsPerTicket: integer(env, 'WS_PER_TICKET', 8, 1, 1000),
    wsTotal: integer(env, 'WS_MAX', 2000, 1, 1_000_000),
    maxConnections: integer(env, 'MAX_CONNECTIONS', 4000, 16, 1_000_000),
    conversionsPerTicket: integer(env, 'CONVERT_PER_TICKET', 1, 1, 100),
    frameOrigins,
    providerTrustAnchors: Object.fromEntries(providerNames.map((name) => [name, files(env, `${name.toUpperCase()}_TRUST_ANCHORS`)])),
  };
}
