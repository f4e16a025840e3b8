import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import { ServiceConverter } from '../export/converter.js';
import { DocumentService } from '../export/documents.js';
import { ExportPipeline } from '../export/pipeline.js';
import { QueuedConverter } from '../export/queue/queued-converter.js';
import { DirectoryTemplates, StoredTemplates } from '../export/template-catalogue.js';
import { TemplateSource } from '../export/template-source.js';
import type { Resources } from './resources.js';
import type { EngineSide } from './signatures.js';
import type { Storage } from './storage.js';

export type Export = Awaited<ReturnType<typeof composeExport>>;

/**
 * Word templates → PDF on the LibreOffice pool. With Redis, conversions are durable jobs for converter
 * processes (`npm run worker`); else the in-process pool, started here (exports fail until it can start).
 */
export async function composeExport(
  config: Config,
  logger: Logger,
  parts: { storage: Storage; engineSide: EngineSide; resources: Resources },
) {
  const { db, files, uris, redis } = parts.storage;
  const converter = parts.resources.add(
    redis
      ? new QueuedConverter({
          redisUrl: config.scale.redisUrl!,
          prefix: redis.prefix,
          redis: redis.shared(),
          queueLimit: config.convertQueueLimit,
          conversionTimeoutMs: config.convertTimeoutMs,
          attempts: config.scale.convertAttempts,
          log: logger,
        })
      : new ServiceConverter({
          workers: config.officeWorkers,
          queueLimit: config.convertQueueLimit,
          conversionTimeoutMs: config.convertTimeoutMs,
          start: config.officeStart,
          dataDir: config.dataDir,
          logger,
        }),
    (started) => started.close(),
  );
  // With PostgreSQL, uploaded templates are shared by every instance; the embedded default keeps TEMPLATES_DIR.
  const catalogue = config.scale.databaseUrl
    ? new StoredTemplates(db, files.blobs, config.templatesDir)
    : new DirectoryTemplates(config.templatesDir);
  const templates = new TemplateSource({
    catalogue,
    files,
    uris,
    allowedOrigins: config.templateOrigins,
    maxTemplateBytes: config.uploadLimitBytes,
    fetchTimeoutMs: 15_000,
  });
  const pipeline = new ExportPipeline({
    templates,
    converter,
    files,
    uris,
    production: config.production,
    log: logger,
    maxUnzippedBytes: config.docxMaxUnzippedBytes,
  });
  const { signatures, hub, documentProof } = parts.engineSide;
  await converter
    .start()
    .catch((error) => logger.error({ err: error }, 'the LibreOffice pool could not start; exports will fail until it can'));
  return { converter, catalogue, pipeline, documents: new DocumentService(pipeline, signatures, files, hub, documentProof) };
}
