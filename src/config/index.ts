import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../util/project-root.js';
import { type SecurityConfig, loadSecurityConfig } from './security.js';
import { type StampingConfig, loadStampingConfig } from './stamping.js';
import { type ConfiguredProvider, configureProviders } from '../providers/module.js';
import { PROVIDER_MODULES } from '../providers/modules.js';
import { ConfigError, type Env, integer, list, oneOf, origins, size } from './parse.js';

/** Everything the service reads from its environment, validated once at start-up. */
export { ConfigError, integer, oneOf, parseSize } from './parse.js';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Base URL under which this service is reachable; used to build `uri`s it hands out. */
  publicUrl: string;
  /** Bearer keys accepted from the engine/service side. Empty means: a dev key is generated. */
  engineKeys: string[];
  /** InfoPlus Digest-style credentials (optional). */
  digest: { code: string; domain: string; secret: string } | null;
  ticketTtlSeconds: number;
  /** Secret used to sign tickets; generated and persisted in dataDir when unset. */
  ticketSecret: string | null;
  jsonBodyLimitBytes: number;
  uploadLimitBytes: number;
  wsHeartbeatMs: number;
  /** Origins (scheme://host[:port]) whose pages may call the service from a browser, HTTP and ws. */
  corsOrigins: string[];
  /** 32-byte key that encrypts seal private keys at rest; generated in dataDir when unset (dev). */
  sealMasterKey: Buffer | null;
  /** Base URL of the engine's SignatureAPI/FileAPI the signature service calls; '' = this service. */
  signatureApiUrl: string;
  /** Bearer key for those calls; null = the first engine key. */
  signatureApiKey: string | null;
  /** RFC 3161 time-stamping authority; every local signature is timestamped when set. */
  tsaUrl: string | null;
  /** Extra PEM files whose certificates verifiers trust (the built-in CA is always trusted). */
  trustAnchorFiles: string[];
  /** Default seal diameter in PDF points. */
  sealSizePt: number;
  /** Seed demo organisations, users and seals into an empty registry. */
  demoData: boolean;
  /** Word templates by name (`<name>.docx` plus optional schema, seals and sample JSON). */
  templatesDir: string;
  /** Origins from which templates may be fetched by URL (allow-list; nothing else is fetched). */
  templateOrigins: string[];
  /** LibreOffice conversion workers (soffice.bin each). */
  officeWorkers: number;
  /** Start the pool at start-up (`eager`) or on the first conversion (`lazy`). */
  officeStart: 'eager' | 'lazy';
  convertTimeoutMs: number;
  convertQueueLimit: number;
  /** Largest total uncompressed size of a DOCX (zip-bomb guard). */
  docxMaxUnzippedBytes: number;
  verifyWorkers: number;
  verifyTimeoutMs: number;
  verifyQueueLimit: number;
  verifyMaxMemoryMb: number;
  verifyMaxInflateBytes: number;
  revocationCheck: 'online' | 'embedded' | 'off';
  ltv: boolean;
  /** Archive renewal: a B-LTA document gets a new document timestamp this long before its last one's TSA certificate expires. */
  ltvRenewalHorizonDays: number;
  ltvRenewalIntervalMs: number;
  ocspOrigins: string[];
  revocationTimeoutMs: number;
  /** The third-party seal providers whose variables are set (src/providers/modules.ts), validated. */
  providers: ConfiguredProvider[];
  /** Reconciliation of provider flows whose callback did not come. */
  reconcileIntervalMs: number;
  reconcileAfterMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  production: boolean;
  /** SignatureAPI v2 (GraphQL): limits, introspection and where signFile may fetch files from. */
  graphql: GraphqlConfig;
  /** OAuth2 client credentials for the GraphQL API. */
  oauth: {
    clients: Array<{ id: string; secret: string; scopes: Array<'seal:read' | 'seal:sign' | 'seal:admin'> }>;
    tokenTtlSeconds: number;
  };
  /** TOTP second factor for seals that require it. */
  mfa: { issuer: string; maxFailures: number; windowSeconds: number };
  /** Demo opt-in, rate limits, caps, framing, provider trust anchors (src/security-config.ts). */
  security: SecurityConfig;
  /** Engine transport, stamp concurrency, warm-up and batch limits (src/batch/config.ts). */
  stamping: StampingConfig;
  /** Outgoing webhooks and verification codes (src/webhooks, src/proof). */
  proof: {
    /** When non-empty, the only origins webhooks may be sent to. */
    webhookOrigins: string[];
    /** Allow loopback/private/link-local webhook addresses (tests, closed networks). */
    webhookAllowInternal: boolean;
    webhookRetryBaseMs: number;
    webhookRetryHours: number;
    /** Requests per minute per client address to /v/<code>. */
    codeRateLimit: number;
  };
  /** Several instances (issue 14): PostgreSQL, the blob store, Redis, this instance's name. */
  scale: ScaleConfig;
}

export interface GraphqlConfig {
  introspection: boolean;
  maxDepth: number;
  maxCost: number;
  maxBatch: number;
  bodyLimitBytes: number;
  /** Origins signFile may download from; empty = the engine's FileAPI origin (SIGNATURE_API_URL, else this service). */
  fileOrigins: string[];
}

export interface ScaleConfig {
  /** postgres://… switches every repository to PostgreSQL; null = embedded SQLite. */
  databaseUrl: string | null;
  /** redis://… enables cross-instance push and the durable conversion queue; null = in-process. */
  redisUrl: string | null;
  /** Where file bytes live: `local` (DATA_DIR/blobs) or `postgres` (default with DATABASE_URL). */
  blobStore: 'local' | 'postgres';
  /** Prefix of every Redis key and channel (several deployments or test runs can share one Redis). */
  redisPrefix: string;
  /** Names this instance in logs, /readyz and the push fan-out. */
  instanceId: string;
  /** Tries a queued conversion gets (a worker dying mid-job counts as one) before CONVERT_FAILED. */
  convertAttempts: number;
  /** How long SIGTERM waits for in-flight requests before closing the remaining connections. */
  drainTimeoutMs: number;
}

export function loadConfig(env: Env = process.env): Config {
  const port = integer(env, 'PORT', 8080, 0, 65535);
  const host = (env.HOST ?? '127.0.0.1').trim();
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) throw new ConfigError('HOST', `is not a host name or address: "${host}"`);
  const dataDir = path.resolve(env.DATA_DIR?.trim() || 'data');

  const engineKeys = list(env, 'ENGINE_KEYS');
  for (const key of engineKeys) {
    if (key.length < 16) throw new ConfigError('ENGINE_KEYS', 'has a key shorter than 16 characters');
  }

  const production = env.NODE_ENV === 'production';
  if (production && engineKeys.length === 0) {
    throw new ConfigError('ENGINE_KEYS', 'must be set when NODE_ENV=production (comma-separated keys of at least 16 characters)');
  }

  let digest: Config['digest'] = null;
  const digestSecret = env.DIGEST_SECRET?.trim();
  if (digestSecret) {
    const code = env.DIGEST_CODE?.trim();
    if (!code) throw new ConfigError('DIGEST_CODE', 'must be set when DIGEST_SECRET is set');
    digest = { code, domain: env.DIGEST_DOMAIN?.trim() ?? '', secret: digestSecret };
  }

  if (env.LTV?.trim() === 'true' && !env.TSA_URL?.trim())
    throw new ConfigError('LTV', 'needs TSA_URL: long-term signatures are timestamped');

  const ticketSecret = env.TICKET_SECRET?.trim() || null;
  if (ticketSecret !== null && ticketSecret.length < 32) {
    throw new ConfigError('TICKET_SECRET', 'must be at least 32 characters');
  }
  if (production && ticketSecret === null) {
    throw new ConfigError('TICKET_SECRET', 'must be set when NODE_ENV=production (at least 32 characters)');
  }

  const logLevel = (env.LOG_LEVEL?.trim() || 'info') as Config['logLevel'];
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of fatal, error, warn, info, debug, trace, silent, got "${logLevel}"`);
  }

  let publicUrl = env.PUBLIC_URL?.trim() || '';
  if (publicUrl) {
    try {
      const parsed = new URL(publicUrl);
      if (!['http:', 'https:'].includes(parsed.protocol)) throw new Error('protocol');
    } catch {
      throw new ConfigError('PUBLIC_URL', `must be an http(s) URL, got "${publicUrl}"`);
    }
    publicUrl = publicUrl.replace(/\/+$/, '');
  }

  const corsOrigins = list(env, 'CORS_ORIGINS').map((origin) => {
    try {
      const parsed = new URL(origin);
      if (!['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin.replace(/\/+$/, '')) throw new Error('not an origin');
      return parsed.origin;
    } catch {
      throw new ConfigError('CORS_ORIGINS', `must list origins such as https://form.example.edu.cn, got "${origin}"`);
    }
  });

  let sealMasterKey: Buffer | null = null;
  const rawMasterKey = env.SEAL_MASTER_KEY?.trim();
  if (rawMasterKey) {
    sealMasterKey = /^[0-9a-f]{64}$/i.test(rawMasterKey) ? Buffer.from(rawMasterKey, 'hex') : Buffer.from(rawMasterKey, 'base64');
    if (sealMasterKey.length !== 32) throw new ConfigError('SEAL_MASTER_KEY', 'must be 32 bytes, as 64 hex digits or base64');
  } else if (production) {
    throw new ConfigError('SEAL_MASTER_KEY', 'must be set when NODE_ENV=production (32 bytes, hex or base64)');
  }

  const optionalUrl = (name: string): string | null => {
    const raw = env[name]?.trim();
    if (!raw) return null;
    try {
      const parsed = new URL(raw);
      if (!['http:', 'https:'].includes(parsed.protocol)) throw new Error('protocol');
    } catch {
      throw new ConfigError(name, `must be an http(s) URL, got "${raw}"`);
    }
    return raw.replace(/\/+$/, '');
  };

  const templateOrigins = list(env, 'TEMPLATE_ORIGINS').map((origin) => {
    try {
      const parsed = new URL(origin);
      if (!['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin.replace(/\/+$/, '')) throw new Error('not an origin');
      return parsed.origin;
    } catch {
      throw new ConfigError('TEMPLATE_ORIGINS', `must list origins such as https://engine.example.edu.cn, got "${origin}"`);
    }
  });
  const officeStart = (env.OFFICE_START?.trim() || 'eager') as Config['officeStart'];
  if (!['eager', 'lazy'].includes(officeStart)) throw new ConfigError('OFFICE_START', `must be eager or lazy, got "${officeStart}"`);

  const originsOf = (name: string) =>
    list(env, name).map((origin) => {
      try {
        return new URL(origin).origin;
      } catch {
        throw new ConfigError(name, `must list origins such as https://files.example.com, got "${origin}"`);
      }
    });
  const group = <K extends string>(names: K[], label: string): Record<K, string> | null => {
    const values = names.map((name) => env[name]?.trim() ?? '');
    if (values.every((value) => !value)) return null;
    const missing = names.filter((_, i) => !values[i]);
    if (missing.length) throw new ConfigError(missing[0], `must be set together with the other ${label} variables (${names.join(', ')})`);
    return Object.fromEntries(names.map((name, i) => [name, values[i]])) as Record<K, string>;
  };
  const providers = configureProviders(PROVIDER_MODULES, {
    group,
    url: optionalUrl,
    origins: originsOf,
    integer: (name, fallback, min, max) => integer(env, name, fallback, min, max),
    refuse: (name, message) => {
      throw new ConfigError(name, message);
    },
  });

  const demoRaw = env.DEMO_DATA?.trim();
  if (demoRaw && !['true', 'false', '1', '0'].includes(demoRaw))
    throw new ConfigError('DEMO_DATA', `must be true or false, got "${demoRaw}"`);

  const booleanOf = (name: string, fallback: boolean): boolean => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    if (!['true', 'false', '1', '0'].includes(raw)) throw new ConfigError(name, `must be true or false, got "${raw}"`);
    return raw === 'true' || raw === '1';
  };
  const graphql: GraphqlConfig = {
    introspection: booleanOf('GRAPHQL_INTROSPECTION', !production),
    maxDepth: integer(env, 'GRAPHQL_MAX_DEPTH', 10, 2, 100),
    maxCost: integer(env, 'GRAPHQL_MAX_COST', 2000, 10, 1_000_000),
    maxBatch: integer(env, 'GRAPHQL_MAX_BATCH', 10, 1, 100),
    bodyLimitBytes: size(env, 'GRAPHQL_BODY_LIMIT', 64 * 1024),
    fileOrigins: originsOf('SIGN_FILE_ORIGINS'),
  };
  const oauthClients: Config['oauth']['clients'] = [];
  const rawClients = env.OAUTH_CLIENTS?.trim();
  if (rawClients) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawClients);
    } catch {
      throw new ConfigError(
        'OAUTH_CLIENTS',
        'must be a JSON array such as [{"id":"workflow","secret":"…","scopes":["seal:read","seal:sign"]}]',
      );
    }
    if (!Array.isArray(parsed)) throw new ConfigError('OAUTH_CLIENTS', 'must be a JSON array of {id, secret, scopes}');
    for (const [i, item] of parsed.entries()) {
      const client = item as { id?: unknown; secret?: unknown; scopes?: unknown };
      if (typeof client?.id !== 'string' || !/^[\w.-]{1,64}$/.test(client.id))
        throw new ConfigError('OAUTH_CLIENTS', `item ${i}: id must be 1-64 letters, digits, '.', '_' or '-'`);
      if (typeof client.secret !== 'string' || client.secret.length < 32)
        throw new ConfigError('OAUTH_CLIENTS', `item ${i} (${client.id}): secret must be at least 32 characters`);
      const scopes = Array.isArray(client.scopes) ? client.scopes : [];
      if (scopes.length === 0 || !scopes.every((scope) => scope === 'seal:read' || scope === 'seal:sign' || scope === 'seal:admin')) {
        throw new ConfigError(
          'OAUTH_CLIENTS',
          `item ${i} (${client.id}): scopes must be a non-empty list of seal:read, seal:sign, seal:admin`,
        );
      }
      if (oauthClients.some((other) => other.id === client.id))
        throw new ConfigError('OAUTH_CLIENTS', `lists the client ${client.id} twice`);
      oauthClients.push({ id: client.id, secret: client.secret, scopes: scopes as Config['oauth']['clients'][number]['scopes'] });
    }
  }
  const mfaIssuer = env.MFA_ISSUER?.trim() || 'InfoPlus Signature';
  if (mfaIssuer.length > 64 || mfaIssuer.includes(':')) throw new ConfigError('MFA_ISSUER', 'must be at most 64 characters without ":"');
  const allowInternalRaw = env.WEBHOOK_ALLOW_INTERNAL?.trim();
  if (allowInternalRaw && !['true', 'false', '1', '0'].includes(allowInternalRaw))
    throw new ConfigError('WEBHOOK_ALLOW_INTERNAL', `must be true or false, got "${allowInternalRaw}"`);
  const proof: Config['proof'] = {
    webhookOrigins: origins(env, 'WEBHOOK_ORIGINS', 'https://archive.example.edu.cn'),
    webhookAllowInternal: allowInternalRaw === 'true' || allowInternalRaw === '1',
    webhookRetryBaseMs: integer(env, 'WEBHOOK_RETRY_BASE_MS', 10_000, 10, 3_600_000),
    webhookRetryHours: integer(env, 'WEBHOOK_RETRY_HOURS', 24, 24, 720),
    codeRateLimit: integer(env, 'VERIFY_CODE_RATE_LIMIT', 30, 1, 100_000),
  };
  const scale = loadScaleConfig(env);

  return {
    port,
    host,
    dataDir,
    publicUrl,
    engineKeys,
    digest,
    ticketTtlSeconds: integer(env, 'TICKET_TTL', 900, 30, 24 * 3600),
    ticketSecret,
    jsonBodyLimitBytes: size(env, 'BODY_LIMIT', 1024 * 1024),
    uploadLimitBytes: size(env, 'UPLOAD_LIMIT', 20 * 1024 * 1024),
    wsHeartbeatMs: integer(env, 'WS_HEARTBEAT_MS', 30_000, 100, 600_000),
    corsOrigins,
    sealMasterKey,
    signatureApiUrl: optionalUrl('SIGNATURE_API_URL') ?? '',
    signatureApiKey: env.SIGNATURE_API_KEY?.trim() || null,
    tsaUrl: optionalUrl('TSA_URL'),
    trustAnchorFiles: list(env, 'TRUST_ANCHORS').map((file) => path.resolve(file)),
    sealSizePt: integer(env, 'SEAL_SIZE_PT', 119, 20, 400),
    demoData: demoRaw ? demoRaw === 'true' || demoRaw === '1' : !production,
    templatesDir: path.resolve(env.TEMPLATES_DIR?.trim() || path.join(projectRoot(), 'templates')),
    templateOrigins,
    officeWorkers: integer(env, 'OFFICE_WORKERS', Math.max(1, Math.min(os.availableParallelism(), 8)), 1, 32),
    officeStart,
    convertTimeoutMs: integer(env, 'CONVERT_TIMEOUT_MS', 30_000, 1000, 600_000),
    convertQueueLimit: integer(env, 'CONVERT_QUEUE_LIMIT', 64, 1, 10_000),
    docxMaxUnzippedBytes: size(env, 'DOCX_MAX_UNZIPPED', 50 * 1024 * 1024),
    verifyWorkers: integer(env, 'VERIFY_WORKERS', Math.max(1, Math.min(os.availableParallelism(), 4)), 1, 32),
    verifyTimeoutMs: integer(env, 'VERIFY_TIMEOUT_MS', 5_000, 100, 600_000),
    verifyQueueLimit: integer(env, 'VERIFY_QUEUE_LIMIT', 32, 1, 10_000),
    verifyMaxMemoryMb: integer(env, 'VERIFY_MAX_MEMORY_MB', 512, 64, 16_384),
    verifyMaxInflateBytes: size(env, 'VERIFY_MAX_INFLATE', 16 * 1024 * 1024),
    revocationCheck: oneOf(env, 'REVOCATION_CHECK', ['online', 'embedded', 'off'] as const, 'online'),
    ltv: oneOf(env, 'LTV', ['true', 'false'] as const, 'false') === 'true',
    ltvRenewalHorizonDays: integer(env, 'LTV_RENEWAL_HORIZON_DAYS', 90, 1, 3650),
    ltvRenewalIntervalMs: integer(env, 'LTV_RENEWAL_INTERVAL_MS', 6 * 3_600_000, 1000, 7 * 86_400_000),
    ocspOrigins: origins(env, 'OCSP_ORIGINS'),
    revocationTimeoutMs: integer(env, 'REVOCATION_TIMEOUT_MS', 1500, 100, 60_000),
    providers,
    reconcileIntervalMs: integer(env, 'RECONCILE_INTERVAL_MS', 60_000, 100, 86_400_000),
    reconcileAfterMs: integer(env, 'RECONCILE_AFTER_MS', 120_000, 0, 86_400_000),
    logLevel,
    production,
    graphql,
    oauth: { clients: oauthClients, tokenTtlSeconds: integer(env, 'OAUTH_TOKEN_TTL', 3600, 30, 86_400) },
    mfa: {
      issuer: mfaIssuer,
      maxFailures: integer(env, 'MFA_MAX_ATTEMPTS', 5, 1, 100),
      windowSeconds: integer(env, 'MFA_LOCKOUT_SECONDS', 300, 10, 86_400),
    },
    security: loadSecurityConfig(
      env,
      production,
      PROVIDER_MODULES.map((module) => module.name),
    ),
    stamping: loadStampingConfig(env, Boolean(env.SIGNATURE_API_URL?.trim())),
    proof,
    scale,
  };
}

function loadScaleConfig(env: Env): ScaleConfig {
  const url = (name: string, protocols: string[]): string | null => {
    const raw = env[name]?.trim();
    if (!raw) return null;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(name, `must be a URL (${protocols.join(', ')}), got something else`);
    }
    if (!protocols.includes(parsed.protocol)) throw new ConfigError(name, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}`);
    return raw;
  };
  const databaseUrl = url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const redisUrl = url('REDIS_URL', ['redis:', 'rediss:']);
  // Instances sharing a database must share the keys that encrypt its seal keys and sign its tickets.
  if (databaseUrl) {
    for (const name of ['SEAL_MASTER_KEY', 'TICKET_SECRET']) {
      if (!env[name]?.trim()) throw new ConfigError(name, 'must be set when DATABASE_URL is set (every instance needs the same value)');
    }
  }
  const blobStore = (env.BLOB_STORE?.trim() || (databaseUrl ? 'postgres' : 'local')) as ScaleConfig['blobStore'];
  if (!['local', 'postgres'].includes(blobStore)) throw new ConfigError('BLOB_STORE', `must be local or postgres, got "${blobStore}"`);
  if (blobStore === 'postgres' && !databaseUrl) throw new ConfigError('BLOB_STORE', 'postgres needs DATABASE_URL');
  const instanceId = env.INSTANCE_ID?.trim() || `${os.hostname()}-${process.pid}`;
  if (!/^[A-Za-z0-9._:-]{1,64}$/.test(instanceId))
    throw new ConfigError('INSTANCE_ID', 'must be 1 to 64 letters, digits, dots, dashes, underscores or colons');
  const redisPrefix = env.REDIS_PREFIX?.trim() || 'sigsvc:';
  if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(redisPrefix))
    throw new ConfigError('REDIS_PREFIX', 'must be 1 to 64 letters, digits, colons, dots, dashes or underscores');
  return {
    databaseUrl,
    redisUrl,
    redisPrefix,
    blobStore,
    instanceId,
    convertAttempts: integer(env, 'CONVERT_ATTEMPTS', 3, 1, 10),
    drainTimeoutMs: integer(env, 'DRAIN_TIMEOUT_MS', 10_000, 0, 600_000),
  };
}
