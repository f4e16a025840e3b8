import { type Static, type TSchema, Type } from '@sinclair/typebox';

/**
 * The InfoPlus Response envelope: errno 0 / ecode SUCCEED on success; on failure errno is the HTTP
 * status, ecode names the failure and entities carry details.
 */
export const Envelope = <T extends TSchema>(entity: T) =>
  Type.Object({
    errno: Type.Integer(),
    ecode: Type.String(),
    error: Type.String(),
    entities: Type.Array(entity),
    total: Type.Optional(Type.Integer({ minimum: 0 })),
  });
export interface Envelope<T = unknown> {
  errno: number;
  ecode: string;
  error: string;
  entities: T[];
  total?: number;
}

/** One failing JSON path of a request (entities of 400 INVALID_REQUEST, 422 TEMPLATE_DATA_INVALID). */
export const FieldError = Type.Object(
  { path: Type.String({ description: 'e.g. $.seals[0].x' }), message: Type.String() },
  { title: 'FieldError' },
);
export type FieldError = Static<typeof FieldError>;

export const Failure = Type.Object(
  {
    errno: Type.Integer({ minimum: 400, description: 'The HTTP status.' }),
    ecode: Type.String({ description: 'Names the failure.' }),
    error: Type.String(),
    entities: Type.Array(Type.Unknown(), { description: 'Details, e.g. one FieldError per failing path.' }),
  },
  { title: 'Failure' },
);
