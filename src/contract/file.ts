import { type Static, Type } from '@sinclair/typebox';
import { CLOSED, Text, Uuid } from './common.js';

/** The File type as FileAPI answers it (`PUT /file`, `GET /file/:id/meta`). */
export const FileInfo = Type.Object(
  {
    id: Uuid(),
    name: Text(255),
    size: Type.Integer({ minimum: 0 }),
    uri: Text(2048),
    mime: Type.String({ description: 'Judged by the bytes: PDF, DOCX, PNG, JPEG, SVG or PKCS#12.' }),
    createTime: Type.Integer({ minimum: 0 }),
    lastModified: Type.Integer({ minimum: 0 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    tags: Type.Array(Type.String(), { description: '`signature:<id>` when uploaded for that Signature.' }),
  },
  { ...CLOSED, title: 'File' },
);
export type FileInfo = Static<typeof FileInfo>;
