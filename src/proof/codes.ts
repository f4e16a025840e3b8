import { randomBytes } from 'node:crypto';
import type { Db } from '../store/db.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: no I, L, O, U

/** 120 random bits as 24 Crockford base32 characters (≥ 96 bits, so a code cannot be guessed). */
export function newVerificationCode(): string {
  const bytes = randomBytes(15);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

/** Codes as people type them: case and dashes ignored, I/L read as 1, O as 0. Undefined when it cannot be a code. */
export function normaliseCode(raw: string): string | undefined {
  const code = raw.toUpperCase().replace(/[-\s]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  return /^[0-9A-HJKMNP-TV-Z]{24}$/.test(code) ? code : undefined;
}

/** `ABCD-EFGH-…` for print. */
export const groupedCode = (code: string) => code.match(/.{1,4}/g)!.join('-');

export interface VerificationCode {
  code: string;
  signatureId: string;
  shareable: boolean;
  createTime: number;
  withdrawnTime: number | null;
}

const codeOf = (row: {
  code: string;
  signature_id: string;
  shareable: number;
  create_time: number;
  withdrawn_time: number | null;
}): VerificationCode => ({
  code: row.code,
  signatureId: row.signature_id,
  shareable: Boolean(row.shareable),
  createTime: Number(row.create_time),
  withdrawnTime: row.withdrawn_time === null ? null : Number(row.withdrawn_time),
});

/** Verification codes printed on documents: each names one Signature; the engine can withdraw them. */
export class VerificationCodes {
  constructor(private readonly db: Db) {}

  async register(signatureId: string, shareable: boolean, code = newVerificationCode()): Promise<VerificationCode> {
    const row = { code, signature_id: signatureId, shareable: shareable ? 1 : 0, create_time: Date.now(), withdrawn_time: null };
    await this.db.insertInto('verification_codes').values(row).execute();
    return codeOf(row);
  }

  /** The code when it exists and is not withdrawn; unknown and withdrawn look the same to callers. */
  async active(code: string): Promise<VerificationCode | undefined> {
    const row = await this.db
      .selectFrom('verification_codes')
      .selectAll()
      .where('code', '=', code)
      .where('withdrawn_time', 'is', null)
      .executeTakeFirst();
    return row ? codeOf(row) : undefined;
  }

  async ofSignature(signatureId: string): Promise<VerificationCode[]> {
    return (
      await this.db.selectFrom('verification_codes').selectAll().where('signature_id', '=', signatureId).orderBy('create_time').execute()
    ).map(codeOf);
  }

  async withdraw(signatureId: string, code?: string): Promise<number> {
    let query = this.db
      .updateTable('verification_codes')
      .set({ withdrawn_time: Date.now() })
      .where('signature_id', '=', signatureId)
      .where('withdrawn_time', 'is', null);
    if (code) query = query.where('code', '=', code);
    return Number((await query.executeTakeFirst()).numUpdatedRows);
  }

  async setShareable(signatureId: string, shareable: boolean): Promise<void> {
    await this.db
      .updateTable('verification_codes')
      .set({ shareable: shareable ? 1 : 0 })
      .where('signature_id', '=', signatureId)
      .execute();
  }
}
