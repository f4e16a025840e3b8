import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

const base = { DATA_DIR: '/tmp/unused', ENGINE_KEYS: 'test-engine-key-0123456789abcdef' };
const secret = 's'.repeat(32);

function refusal(env: Record<string, string>): string {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).variable;
  }
  throw new Error('accepted');
}

describe('GraphQL, OAuth2 and MFA configuration', () => {
  it('reads the defaults and valid values', () => {
    const defaults = loadConfig(base);
    expect(defaults.graphql).toEqual({
      introspection: true,
      maxDepth: 10,
      maxCost: 2000,
      maxBatch: 10,
      bodyLimitBytes: 64 * 1024,
      fileOrigins: [],
    });
    expect(defaults.oauth).toEqual({ clients: [], tokenTtlSeconds: 3600 });
    expect(defaults.mfa).toEqual({ issuer: 'InfoPlus Signature', maxFailures: 5, windowSeconds: 300 });
    const production = loadConfig({ ...base, NODE_ENV: 'production', TICKET_SECRET: 't'.repeat(32), SEAL_MASTER_KEY: 'ab'.repeat(32) });
    expect(production.graphql.introspection).toBe(false);
    const set = loadConfig({
      ...base,
      OAUTH_CLIENTS: JSON.stringify([{ id: 'workflow', secret, scopes: ['seal:read', 'seal:sign'] }]),
      SIGN_FILE_ORIGINS: 'https://files.example.edu.cn/x',
      GRAPHQL_MAX_DEPTH: '6',
    });
    expect(set.oauth.clients).toEqual([{ id: 'workflow', secret, scopes: ['seal:read', 'seal:sign'] }]);
    expect(set.graphql.fileOrigins).toEqual(['https://files.example.edu.cn']);
    expect(set.graphql.maxDepth).toBe(6);
  });

  it('refuses bad values, naming the variable', () => {
    expect(refusal({ OAUTH_CLIENTS: '{not json' })).toBe('OAUTH_CLIENTS');
    expect(refusal({ OAUTH_CLIENTS: JSON.stringify([{ id: 'a', secret: 'short', scopes: ['seal:read'] }]) })).toBe('OAUTH_CLIENTS');
    expect(refusal({ OAUTH_CLIENTS: JSON.stringify([{ id: 'a', secret, scopes: ['seal:everything'] }]) })).toBe('OAUTH_CLIENTS');
    expect(
      refusal({
        OAUTH_CLIENTS: JSON.stringify([
          { id: 'a', secret, scopes: ['seal:read'] },
          { id: 'a', secret, scopes: ['seal:read'] },
        ]),
      }),
    ).toBe('OAUTH_CLIENTS');
    expect(refusal({ OAUTH_TOKEN_TTL: '5' })).toBe('OAUTH_TOKEN_TTL');
    expect(refusal({ GRAPHQL_MAX_DEPTH: 'deep' })).toBe('GRAPHQL_MAX_DEPTH');
    expect(refusal({ GRAPHQL_MAX_BATCH: '0' })).toBe('GRAPHQL_MAX_BATCH');
    expect(refusal({ GRAPHQL_BODY_LIMIT: 'lots' })).toBe('GRAPHQL_BODY_LIMIT');
    expect(refusal({ GRAPHQL_INTROSPECTION: 'maybe' })).toBe('GRAPHQL_INTROSPECTION');
    expect(refusal({ SIGN_FILE_ORIGINS: 'not a url' })).toBe('SIGN_FILE_ORIGINS');
    expect(refusal({ MFA_ISSUER: 'a:b' })).toBe('MFA_ISSUER');
    expect(refusal({ MFA_MAX_ATTEMPTS: '0' })).toBe('MFA_MAX_ATTEMPTS');
  });
});
