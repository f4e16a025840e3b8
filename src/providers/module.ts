import type { Response, Router } from 'express';
import type { Logger } from 'pino';
import type { SealRegistrar } from '../seals/registry.js';
import type { ProviderAccountRepository, ProviderEvent, ProviderFlowRepository } from '../store/provider-flows.js';
import type { FlowStatus, SealProvider } from './provider.js';

/**
 * Reads a provider's environment variables the way the rest of the configuration is read; every
 * method throws a ConfigError naming the variable when its value is wrong.
 */
export interface ProviderEnv {
  /** Variables that are set all together or not at all; null when none is set. */
  group<K extends string>(names: K[], label: string): Record<K, string> | null;
  /** An http(s) URL without trailing slashes; null when unset. */
  url(name: string): string | null;
  /** A comma-separated list of origins. */
  origins(name: string): string[];
  integer(name: string, fallback: number, min: number, max: number): number;
  /** Refuses the variable's value with this message. */
  refuse(name: string, message: string): never;
}

/** What the composition root gives a provider when it builds it. */
export interface ProviderContext {
  /** The provider-account directory: the identities a provider needs for our accounts. */
  accounts: ProviderAccountRepository;
  /** Default seal size in PDF points (SEAL_SIZE_PT). */
  sealWidth: number;
  /** This service's public base URL. */
  publicUrl: string;
  log: Logger;
}

export type Settle = (flowId: string, status: FlowStatus) => Promise<unknown>;

/** What applying a stored callback event needs. */
export interface EventContext {
  flows: ProviderFlowRepository;
  settle: Settle;
  provider: SealProvider;
}

/**
 * Where a callback route hands a callback it accepted: `key` identifies the event across the
 * provider's repeated deliveries. It is recorded, acknowledged on `res`, then applied once.
 */
export type ReceiveCallback = (res: Response, key: string, payload: string) => Promise<void>;

export interface ProviderCallbacks {
  /** The provider's callback route(s): authenticate the request, then hand it to `receive`. */
  routes(receive: ReceiveCallback): Router;
  /** Applies one recorded event; the answer is kept as the event's outcome. */
  process(event: ProviderEvent, context: EventContext): Promise<string>;
}

/** One configured provider, built. */
export interface ProviderParts {
  provider: SealProvider;
  /** Registers seals at the provider when they are created in our registry. */
  registrar?: SealRegistrar;
  callbacks?: ProviderCallbacks;
}

/** A seal provider as a plug-in: its folder's index.ts exports one, and modules.ts lists it. */
export interface ProviderModule<C = unknown> {
  /** The provider's name in seals (`provider`), routes and the provider-account directory. */
  name: string;
  /** Reads and validates its configuration; null when the provider is not configured. */
  config(env: ProviderEnv): C | null;
  create(config: C, context: ProviderContext): ProviderParts;
}

/** A provider module with its configuration, ready to be built. */
export interface ConfiguredProvider {
  name: string;
  config: unknown;
  create(context: ProviderContext): ProviderParts;
}

export function configureProviders(modules: ReadonlyArray<ProviderModule>, env: ProviderEnv): ConfiguredProvider[] {
  return modules.flatMap((module) => {
    const config = module.config(env);
    return config === null ? [] : [{ name: module.name, config, create: (context: ProviderContext) => module.create(config, context) }];
  });
}
