import * as OTPAuth from 'otpauth';
import QRCode from 'qrcode';
import { decryptPrivateKey, encryptPrivateKey } from '../pki/key-vault.js';
import type { Db } from '../store/db.js';
import { DomainError } from '../errors.js';

/** A second-factor failure. */
export class MfaError extends DomainError<'MFA_REQUIRED' | 'MFA_INVALID' | 'MFA_NOT_ENROLLED' | 'MFA_RATE_LIMITED'> {}

export interface TotpEnrolment {
  account: string;
  /** `otpauth://totp/…` for an authenticator app. */
  uri: string;
  /** The same URI as a QR code, PNG bytes. */
  qrPng: Uint8Array;
}

export interface TotpOptions {
  issuer: string;
  /** Failed codes allowed per account within `windowSeconds` before further attempts are refused. */
  maxFailures: number;
  windowSeconds: number;
  now?: () => number;
}

const PERIOD = 30;
const DIGITS = 6;

/**
 * TOTP (RFC 6238: SHA-1, 6 digits, 30 s) per account. Secrets are stored encrypted with the master key;
 * a code is accepted once (its time step must be later than the last accepted one), ±1 step of clock
 * drift is tolerated, and failed attempts are counted per account and refused beyond a limit.
 */
export class TotpService {
  constructor(
    private readonly db: Db,
    private readonly masterKey: Buffer,
    private readonly options: TotpOptions,
  ) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  private totp(account: string, secret: OTPAuth.Secret): OTPAuth.TOTP {
    return new OTPAuth.TOTP({ issuer: this.options.issuer, label: account, algorithm: 'SHA1', digits: DIGITS, period: PERIOD, secret });
  }

  /** (Re-)enrols an account with a fresh secret; an earlier authenticator stops working. */
  async enrol(account: string): Promise<TotpEnrolment> {
    const secret = new OTPAuth.Secret({ size: 20 });
    const sealed = encryptPrivateKey(secret.base32, this.masterKey, `totp:${account}`);
    const now = this.now();
    await this.db
      .insertInto('totp_enrolments')
      .values({ account, encrypted_secret: sealed, last_step: 0, failures: 0, window_start: 0, create_time: now })
      .onConflict((oc) =>
        oc.column('account').doUpdateSet({ encrypted_secret: sealed, last_step: 0, failures: 0, window_start: 0, create_time: now }),
      )
      .execute();
    const uri = this.totp(account, secret).toString();
    const qrPng = await QRCode.toBuffer(uri, { type: 'png', errorCorrectionLevel: 'M', margin: 2, width: 256 });
    return { account, uri, qrPng: new Uint8Array(qrPng) };
  }

  async isEnrolled(account: string): Promise<boolean> {
    return (await this.db.selectFrom('totp_enrolments').select('account').where('account', '=', account).executeTakeFirst()) !== undefined;
  }

  /** Checks a code for an account; throws MfaError unless it is valid, unused and within the attempt limit. */
  async verify(account: string, code: string | undefined | null): Promise<void> {
    if (!code) throw new MfaError('MFA_REQUIRED', 'This seal requires a one-time code from your authenticator (mfa).');
    const row = await this.db.selectFrom('totp_enrolments').selectAll().where('account', '=', account).executeTakeFirst();
    if (!row) throw new MfaError('MFA_NOT_ENROLLED', `${account} has no authenticator enrolled; enrol one first.`);
    const now = this.now();
    const windowStart = Number(row.window_start);
    const failures = now - windowStart < this.options.windowSeconds * 1000 ? Number(row.failures) : 0;
    if (failures >= this.options.maxFailures) {
      throw new MfaError(
        'MFA_RATE_LIMITED',
        `Too many wrong codes for ${account}; try again in ${Math.ceil((windowStart + this.options.windowSeconds * 1000 - now) / 1000)} s.`,
      );
    }
    const totp = this.totp(account, OTPAuth.Secret.fromBase32(decryptPrivateKey(row.encrypted_secret, this.masterKey, `totp:${account}`)));
    const delta = /^\d{6}$/.test(code) ? totp.validate({ token: code, timestamp: now, window: 1 }) : null;
    const step = delta === null ? null : OTPAuth.TOTP.counter({ period: PERIOD, timestamp: now }) + delta;
    if (step !== null) {
      // Accepting is one conditional update: a code (time step) already used, here or concurrently, changes no row.
      const accepted = await this.db
        .updateTable('totp_enrolments')
        .set({ last_step: step, failures: 0, window_start: 0 })
        .where('account', '=', account)
        .where('last_step', '<', step)
        .executeTakeFirst();
      if (Number(accepted.numUpdatedRows) === 1) return;
    }
    await this.db
      .updateTable('totp_enrolments')
      .set(failures === 0 ? { failures: 1, window_start: now } : { failures: failures + 1 })
      .where('account', '=', account)
      .execute();
    throw new MfaError(
      'MFA_INVALID',
      step === null ? 'The one-time code is not valid.' : 'This one-time code was already used; wait for the next one.',
    );
  }
}

/** Which seals require a second factor (only TOTP exists today). */
export class SealMfaPolicy {
  constructor(private readonly db: Db) {}

  async required(sealId: string): Promise<boolean> {
    return (await this.db.selectFrom('seal_mfa').select('seal_id').where('seal_id', '=', sealId).executeTakeFirst()) !== undefined;
  }

  async requiredIds(): Promise<Set<string>> {
    return new Set((await this.db.selectFrom('seal_mfa').select('seal_id').execute()).map((row) => row.seal_id));
  }

  async set(sealId: string, required: boolean): Promise<void> {
    if (required) {
      await this.db
        .insertInto('seal_mfa')
        .values({ seal_id: sealId, method: 'TOTP', update_time: Date.now() })
        .onConflict((oc) => oc.column('seal_id').doNothing())
        .execute();
    } else {
      await this.db.deleteFrom('seal_mfa').where('seal_id', '=', sealId).execute();
    }
  }
}

/** The broker's second-factor rule: a seal that requires MFA is applied only with a valid, unused code of the signer. */
export class MfaGuard {
  constructor(
    readonly policy: SealMfaPolicy,
    readonly totp: TotpService,
  ) {}

  async check(account: string, sealId: string, code: string | undefined | null): Promise<void> {
    if (await this.policy.required(sealId)) await this.totp.verify(account, code);
  }
}
