// Reading environment variables: each parser names the variable in its ConfigError.

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`Invalid configuration: ${variable} ${message}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

export function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, k: 1024, mb: 1024 ** 2, m: 1024 ** 2, gb: 1024 ** 3, g: 1024 ** 3 };

/** Parses sizes like `1048576`, `512kb`, `20mb`. */
export function parseSize(name: string, raw: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(raw);
  const unit = match ? SIZE_UNITS[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new ConfigError(name, `must be a size such as 1048576, 512kb or 20mb, got "${raw}"`);
  const bytes = Math.floor(Number(match[1]) * unit);
  if (bytes < 1024) throw new ConfigError(name, `must be at least 1kb, got "${raw}"`);
  return bytes;
}

export function size(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  return raw === undefined || raw === '' ? fallback : parseSize(name, raw);
}

export function list(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

export function oneOf<T extends string>(env: Env, name: string, values: readonly T[], fallback: T): T {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!(values as readonly string[]).includes(raw)) throw new ConfigError(name, `must be one of ${values.join(', ')}, got "${raw}"`);
  return raw as T;
}

/** A comma-separated list of http(s) origins (scheme, host, port; no path). */
export function origins(env: Env, name: string, example = 'https://ocsp.example.com'): string[] {
  return list(env, name).map((origin) => {
    try {
      const parsed = new URL(origin);
      if (!['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin.replace(/\/+$/, '')) throw new Error('not an origin');
      return parsed.origin;
    } catch {
      throw new ConfigError(name, `must list origins such as ${example}, got "${origin}"`);
    }
  });
}

/** true/false (or 1/0); unset: the fallback. */
export function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!['true', 'false', '1', '0'].includes(raw)) throw new ConfigError(name, `must be true or false, got "${raw}"`);
  return raw === 'true' || raw === '1';
}
