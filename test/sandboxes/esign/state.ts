// The e签宝 sandbox's state and what every part of it shares: the records it keeps, the request
// field readers (numbers may arrive as numbers or numeric strings), errors as e签宝 reports them.
import { createHmac, randomBytes } from 'node:crypto';
import { secretsEqual } from '../../../src/util/constant-time.js';
import type { DocPos } from './signing.js';

export interface Account {
  accountId: string;
  thirdId?: string;
  kind: 'person' | 'organization';
  name: string;
  idNo: string;
  idType: number;
  agentAccountId?: string;
}
export interface Upload {
  fileKey: string;
  fileName: string;
  fileSize: number;
  contentType: string;
  contentMd5: string;
  token: string;
  bytes?: Buffer;
}
export interface Doc {
  docId: string;
  name: string;
  bytes: Buffer;
  pageCount: number;
  firstPageHeight: number;
}
export interface Signer {
  accountId: string;
  authorizationOrgId?: string;
  signOrder: number;
  autoSign: boolean;
  sealType: string;
  /** undefined: not given (the signer signs every document, at the default position). */
  docPosList?: DocPos[];
  signStatus: number;
  recieveTime?: string;
  signTime?: string;
  signExplain?: string;
  autoScheduled?: boolean;
}
export interface Flow {
  flowId: string;
  businessScene: string;
  initiatorAccountId?: string;
  flowStatus: number;
  redirectUrl: string;
  docs: Array<{ docId: string; name: string }>;
  signers: Signer[];
  signValidity?: number;
  startTime: string;
  endTime?: string;
}

export const PERSON_ID_TYPES = new Set([13, 14, 15, 16, 17, 18, 19, 20, 21, 22]);
export const ORGAN_TYPES = new Set([10, 11, 12]);
export const SEAL_TYPES = new Set(['', '0', '1', '0,1', '1,0']);
export const FLOW_STATUS_TEXT = ['草稿', '签署中', '已完成', '已撤销', '已终止', '已过期'];
export const MAX_UPLOAD = 50 * 1024 * 1024;
export const MAX_TIMER = 2 ** 31 - 1;

export const hmac = (secret: string, bytes: Buffer | string) => createHmac('sha256', secret).update(bytes).digest('hex');
export const hexId = (bytes = 16) => randomBytes(bytes).toString('hex');
export const sameText = secretsEqual;
/** yyyy-MM-dd HH:mm:ss in Beijing time (UTC+8, no DST), as e签宝 writes times. */
export function timeText(date = new Date()): string {
  const d = new Date(date.getTime() + 8 * 3600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}
export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export class SandboxError extends Error {
  constructor(
    readonly errCode: number,
    message: string,
    readonly status = 200,
  ) {
    super(message);
  }
}
/** errCode 1000: a parameter is missing or malformed. */
export const param = (message: string) => new SandboxError(1000, `参数错误：${message}`);

// ---- request field readers: numbers may arrive as numbers or numeric strings ("" = not given)
export type Json = Record<string, unknown>;
export const given = (value: unknown) => value !== undefined && value !== null && value !== '';
export function optText(value: unknown, field: string): string | undefined {
  if (!given(value)) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw param(`${field} 必须是字符串`);
}
export function reqText(value: unknown, field: string): string {
  const text = optText(value, field);
  if (text === undefined || text.trim() === '') throw param(`${field} 不能为空`);
  return text;
}
export function optNumber(value: unknown, field: string): number | undefined {
  if (!given(value)) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  throw param(`${field} 必须是数字`);
}
export function optInt(value: unknown, field: string, allowed?: number[]): number | undefined {
  const n = optNumber(value, field);
  if (n === undefined) return undefined;
  if (!Number.isInteger(n)) throw param(`${field} 必须是整数`);
  if (allowed && !allowed.includes(n)) throw param(`${field} 只能是 ${allowed.join('、')}`);
  return n;
}
export function object(value: unknown, field: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw param(`${field} 必须是对象`);
  return value as Json;
}
export function list(value: unknown, field: string): unknown[] {
  if (!given(value)) return [];
  if (!Array.isArray(value)) throw param(`${field} 必须是数组`);
  return value;
}

/** What the parts of one sandbox share. */
export interface SandboxContext {
  projectId: string;
  secret: string;
  /** Base URL, known once the server listens. */
  base: string;
  accounts: Map<string, Account>;
  uploads: Map<string, Upload>;
  docs: Map<string, Doc>;
  flows: Map<string, Flow>;
  timers: Timers;
}

/** Timers that stop firing once the sandbox closes. */
export class Timers {
  closed = false;
  private readonly pending = new Set<NodeJS.Timeout>();

  later(ms: number, fn: () => void): void {
    if (this.closed) return;
    const timer = setTimeout(
      () => {
        this.pending.delete(timer);
        if (!this.closed) fn();
      },
      Math.max(0, Math.min(ms, MAX_TIMER)),
    );
    this.pending.add(timer);
  }

  close(): void {
    this.closed = true;
    for (const timer of this.pending) clearTimeout(timer);
    this.pending.clear();
  }
}
export type Handlers = Record<string, (body: Json) => unknown>;
