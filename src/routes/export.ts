import fs from 'node:fs/promises';
import { type Request, Router } from 'express';
import { requireEngine, requireSignatureAccess } from '../http/auth/principal.js';
import { stateOf } from '../http/context.js';
import { success } from '../http/envelope.js';
import { DomainError } from '../errors.js';
import { requireId } from '../util/ids.js';
import { receiveUpload } from '../http/multipart-upload.js';
import type { FileStore } from '../store/files.js';
import type { FileUris } from '../store/file-uri.js';
import { ALLOWED_MIME } from '../store/sniff.js';
import { validator } from '../validation/ajv.js';
import type { DocumentService } from '../export/documents.js';
import { ticketKey } from '../http/rate-limit.js';
import type { ExportPipeline } from '../export/pipeline.js';
import type { TemplateCatalogue } from '../export/template-catalogue.js';
import { ExportRequest, GenerateDocumentRequest } from '../contract/requests.js';

const validateExport = validator<ExportRequest>(ExportRequest);

const validateGenerate = validator<GenerateDocumentRequest>(GenerateDocumentRequest);

export interface ExportRouteOptions {
  pipeline: ExportPipeline;
  documents: DocumentService;
  /** Conversions one ticket may have queued or running at once. */
  conversionsPerTicket?: number;
  files: FileStore;
  uris: FileUris;
  templates: TemplateCatalogue;
  uploadLimit: number;
}

/** ExportAPI's request in either form: JSON body, or `?template=…&data={json}` in the query string. */
function exportRequest(req: Request) {
  if (req.is('application/json')) return validateExport(req.body);
  const data = typeof req.query.data === 'string' ? parseJsonParameter('data', req.query.data) : undefined;
  const fields = typeof req.query.fields === 'string' ? parseJsonParameter('fields', req.query.fields) : undefined;
  return validateExport({
    template: req.query.template,
    ...(data === undefined ? {} : { data }),
    ...(fields === undefined ? {} : { fields }),
  });
}

function parseJsonParameter(name: string, raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new DomainError('MALFORMED_JSON', `The ${name} parameter is not valid JSON.`);
  }
}

async function countPages(pdf: Buffer): Promise<number> {
  const { PDFDocument } = await import('@cantoo/pdf-lib');
  return (await PDFDocument.load(pdf, { ignoreEncryption: true, updateMetadata: false })).getPageCount();
}

/** ExportAPI (`POST /export/:format`), template upload and listing, and document generation for a Signature. */
export function exportRoutes(options: ExportRouteOptions): Router {
  const router = Router();

  router.post('/export/:format', async (req, res) => {
    requireEngine(stateOf(req).principal);
    const format = req.params.format;
    if (format !== 'pdf' && format !== 'docx')
      throw new DomainError('UNSUPPORTED_FORMAT', `The format "${String(format).slice(0, 20)}" is not supported; use pdf or docx.`);
    const { template, data } = exportRequest(req);
    const output =
      format === 'pdf'
        ? (await options.pipeline.renderPdf(template, data ?? {})).pdf
        : (await options.pipeline.renderDocx(template, data ?? {})).docx;
    const mime = format === 'pdf' ? ALLOWED_MIME.pdf : ALLOWED_MIME.docx;
    if (
      req.accepts(['application/octet-stream', 'application/json']) === 'application/json' &&
      req.get('accept')?.includes('application/json')
    ) {
      const file = await options.files.putBytes(output, { name: `export.${format}`, mime });
      const page = format === 'pdf' ? await countPages(output) : 1;
      res.json({ files: [{ uri: options.uris.forFile(file.id), page }] });
      return;
    }
    res.setHeader('Content-Type', mime);
    res.setHeader('Content-Disposition', `attachment; filename="export.${format}"`);
    res.send(output);
  });

  router.get('/templates', async (req, res) => {
    requireEngine(stateOf(req).principal);
    const templates = await options.templates.list();
    res.json(success(templates, templates.length));
  });

  router.get('/templates/:name', async (req, res) => {
    requireEngine(stateOf(req).principal);
    const template = await options.templates.load(String(req.params.name));
    res.setHeader('Content-Type', ALLOWED_MIME.docx);
    res.setHeader('Content-Disposition', `attachment; filename="${template.name}.docx"`);
    res.send(template.docx);
  });

  router.put('/templates/:name', async (req, res) => {
    requireEngine(stateOf(req).principal);
    const upload = await receiveUpload(req, options.files.tempDir, options.uploadLimit);
    try {
      const docx = await fs.readFile(upload.tempPath);
      const schema = upload.fields.schema ? parseJsonParameter('schema', upload.fields.schema) : undefined;
      const saved = await options.templates.save(String(req.params.name), docx, schema as object | undefined);
      res.json(success([saved]));
    } finally {
      await fs.rm(upload.tempPath, { force: true });
    }
  });

  // Conversions a ticket has queued or running: a ticket holder cannot fill the LibreOffice queue.
  const conversionsByTicket = new Map<string, number>();
  router.post('/signature/:id/document', async (req, res) => {
    const id = requireId(req.params.id, 'signature');
    const principal = requireSignatureAccess(stateOf(req).principal, id, 'stamp');
    const body = validateGenerate(req.body ?? {});
    const ticket = principal.kind === 'user' ? ticketKey(principal.claims) : undefined;
    if (ticket !== undefined) {
      const running = conversionsByTicket.get(ticket) ?? 0;
      if (running >= (options.conversionsPerTicket ?? Infinity)) {
        throw new DomainError('CONVERSIONS_PER_TICKET', 'This ticket already has a document being generated; wait for it.', [
          { retryAfter: 2 },
        ]);
      }
      conversionsByTicket.set(ticket, running + 1);
    }
    try {
      res.json(success([await options.documents.generate(id, body.data ?? {}, { fromEndUser: principal.kind === 'user' })]));
    } finally {
      if (ticket !== undefined) {
        const left = (conversionsByTicket.get(ticket) ?? 1) - 1;
        if (left > 0) conversionsByTicket.set(ticket, left);
        else conversionsByTicket.delete(ticket);
      }
    }
  });

  return router;
}
