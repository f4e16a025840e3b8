import path from 'node:path';
import { ConfigError, loadConfig } from './config/index.js';
import { ServiceConverter } from './export/converter.js';
import { startConvertWorker } from './export/queue/convert-worker.js';
import { createLogger } from './log.js';
import { RedisConnections } from './scale/redis.js';

/**
 * `npm run worker`: a converter process for the durable conversion queue (REDIS_URL). Holds a warm
 * LibreOffice pool (OFFICE_WORKERS), takes jobs from any API instance, drains on SIGTERM.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
    if (!config.scale.redisUrl) throw new ConfigError('REDIS_URL', 'must be set for a converter worker (the queue lives in Redis)');
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const workerId = config.scale.instanceId;
  const logger = createLogger(config.logLevel).child({ instance: workerId, role: 'converter' });
  const redis = new RedisConnections(config.scale.redisUrl, config.scale.redisPrefix, workerId, logger);
  const converter = new ServiceConverter({
    workers: config.officeWorkers,
    queueLimit: config.convertQueueLimit,
    conversionTimeoutMs: config.convertTimeoutMs,
    start: 'eager',
    dataDir: path.join(config.dataDir, `converter-${workerId}`),
    logger,
  });
  await converter.start();
  const worker = await startConvertWorker({
    redisUrl: config.scale.redisUrl,
    prefix: config.scale.redisPrefix,
    redis: redis.shared(),
    workerId,
    concurrency: config.officeWorkers,
    attempts: config.scale.convertAttempts,
    converter,
    log: logger,
  });
  logger.info({ workers: config.officeWorkers }, 'converter worker ready');
  process.stdout.write(`converter worker ${workerId} ready (${config.officeWorkers} LibreOffice workers)\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'converter worker draining');
    (async () => {
      await worker.close();
      await converter.close();
      await redis.close();
    })().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'converter worker shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Converter worker failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
