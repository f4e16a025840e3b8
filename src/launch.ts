import { type Config, ConfigError, loadConfig } from './config/index.js';
import { createLogger } from './log.js';
import { type RunningService, startService } from './service.js';

/** Composes and starts the service from the environment; `notes` are printed with the banner. */
export type Compose = (env: NodeJS.ProcessEnv) => Promise<{ config: Config; service: RunningService; notes?: string[] }>;

const fromEnvironment: Compose = async (env) => {
  const config = loadConfig(env);
  return { config, service: await startService(config, createLogger(config.logLevel)) };
};

/** Starts the service (a bad variable exits with 78, naming it), prints where it listens, stops on SIGTERM/SIGINT. */
export async function launch(compose: Compose = fromEnvironment): Promise<void> {
  let started;
  try {
    started = await compose(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const { config, service, notes = [] } = started;
  const { logger } = service;
  logger.info({ url: service.url, dataDir: config.dataDir }, 'listening');

  const key = service.engineKeys[0];
  const lines = [
    '',
    `  InfoPlus signature service listening on ${service.url}`,
    `  data directory: ${config.dataDir}`,
    service.devKeyGenerated
      ? `  ENGINE_KEYS is unset: generated dev engine key (kept in ${config.dataDir}/secrets.json):\n    ${key}`
      : '  engine keys: from ENGINE_KEYS',
    ...(config.security.demo
      ? [
          '',
          '  !!! DEMO=true: /demo/session hands out tickets for demo users — never expose this instance !!!',
          `  Demo (leave application form with the <infoplus-signature> control): ${service.url}/demo`,
        ]
      : []),
    ...notes,
    '',
    '  Try it:',
    `    curl -s ${service.url}/healthz`,
    `    curl -s -H "Authorization: Bearer ${service.devKeyGenerated ? key : '<engine key>'}" -X PUT -F file=@document.pdf ${service.url}/file`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

export function failedToStart(error: unknown): never {
  process.stderr.write(`Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
