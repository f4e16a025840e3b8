import { type ExecutionResult } from 'graphql';
import { createClient, NetworkError } from 'graphql-http';
import type { TestService } from '../helpers/service.js';
import { ENGINE_KEY } from '../helpers/service.js';

export const GRAPHQL_RESPONSE = 'application/graphql-response+json';

/**
 * Runs one operation with graphql-http's client (POST, `Accept: application/graphql-response+json,
 * application/json`). Resolves the execution result; a non-2xx answer rejects with its status and body.
 */
export async function gql<T = any>(
  service: TestService,
  query: string,
  variables: Record<string, unknown> = {},
  authorization: string | null = `Bearer ${ENGINE_KEY}`,
): Promise<ExecutionResult<T, any>> {
  const client = createClient({
    url: `${service.url}/graphql`,
    headers: authorization ? { authorization } : {},
    retryAttempts: 0,
  } as never);
  try {
    return await new Promise<ExecutionResult<T, any>>((resolve, reject) => {
      let result: ExecutionResult<T, any> | undefined;
      client.subscribe<T>(
        { query, variables },
        { next: (value) => (result = value as ExecutionResult<T, any>), error: reject, complete: () => resolve(result!) },
      );
    });
  } catch (error) {
    if (error instanceof NetworkError && error.response) {
      const body = await error.response.text();
      throw Object.assign(new Error(`HTTP ${error.response.status}: ${body}`), {
        status: error.response.status,
        body: JSON.parse(body || 'null'),
      });
    }
    throw error;
  } finally {
    client.dispose();
  }
}

/** A raw POST /graphql, to see statuses and media types exactly. */
export async function rawPost(
  service: TestService,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string; body: any }> {
  const response = await fetch(`${service.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: GRAPHQL_RESPONSE, authorization: `Bearer ${ENGINE_KEY}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: parsed };
}

/** The ecodes of a result's errors. */
export const ecodes = (result: { errors?: readonly any[] } | any) => (result.errors ?? []).map((error: any) => error.extensions?.ecode);

/** An OAuth2 client-credentials token from POST /oauth/token (HTTP Basic client authentication). */
export async function token(
  service: TestService,
  clientId: string,
  secret: string,
  scope?: string,
): Promise<{ status: number; body: any }> {
  const form = new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) });
  const response = await fetch(`${service.url}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
    },
    body: form,
  });
  return { status: response.status, body: await response.json() };
}
