import busboy from 'busboy';
import type { NextFunction, Request, Response } from 'express';

/** Parses multipart/form-data into req.body (fields) and req.files (Buffers), bounded. */
export default function multipart() {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.is('multipart/form-data')) {
      res.status(400).json({ status: 'error', code: 4001, message: 'multipart/form-data expected' });
      return;
    }
    const fields: Record<string, string> = {};
    const files: Record<string, Buffer> = {};
    const parser = busboy({ headers: req.headers, limits: { fileSize: 50 * 1024 * 1024, files: 5, fields: 20 } });
    parser.on('field', (name, value) => (fields[name] = value));
    parser.on('file', (name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => (files[name] = Buffer.concat(chunks)));
    });
    parser.on('close', () => {
      req.body = fields;
      (req as Request & { files?: Record<string, Buffer> }).files = files;
      next();
    });
    parser.on('error', next);
    req.pipe(parser);
  };
}
