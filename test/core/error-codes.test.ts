import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DomainError, NOT_FOUND_SUBJECTS, RelayedError, notFoundCode } from '../../src/errors.js';
import { ERROR_TABLE, httpFailureOf, isErrorCode } from '../../src/http/error-status.js';
import { projectRoot } from '../../src/util/project-root.js';

/**
 * Every code the service can answer, read from the source: the codes thrown as DomainError (or any
 * class whose constructor takes the code first), the code literals and code unions of error classes,
 * the `<WHAT>_NOT_FOUND` codes and the HTTP layer's own refusals. The provider sandboxes are fakes of
 * upstream services, not answers of ours, and are left out.
 */
const ROOTS = ['src', 'packages'].map((dir) => path.join(projectRoot(), dir)).filter((dir) => fs.existsSync(dir));
const LEFT_OUT = [`${path.sep}sandboxes${path.sep}`, `${path.sep}node_modules${path.sep}`, `${path.sep}dist${path.sep}`];

const sources = ROOTS.flatMap((root) =>
  (fs.readdirSync(root, { recursive: true }) as string[])
    .map((file) => path.join(root, file))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts') && !LEFT_OUT.some((part) => file.includes(part)))
    .map((file) => ({ file: path.relative(projectRoot(), file), text: fs.readFileSync(file, 'utf8') })),
);

const CODE = /'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)'/g;
/** Node's errno codes (ENOENT, EADDRNOTALLOWED) name system failures, not answers. */
const isErrno = (code: string) => /^E[A-Z]+$/.test(code);
const literals = (text: string) => [...text.matchAll(CODE)].map((m) => m[1]).filter((code) => !isErrno(code));

/** The text of the first argument of the call whose `(` is at `open`. */
function firstArgument(text: string, open: number): string {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c) && depth-- === 0) return text.slice(open + 1, i);
    else if (c === ',' && depth === 0) return text.slice(open + 1, i);
  }
  return '';
}

/** DomainError, its subclasses, and the other coded errors whose constructor takes the code first. */
function codedClasses(): Set<string> {
  const classes = new Set(['DomainError', 'RelayedError']);
  for (const { text } of sources) {
    for (const m of text.matchAll(/class (\w+)(?:<[^>]*>)? extends Error \{\s*constructor\(\s*(?:readonly )?code: /g)) classes.add(m[1]);
  }
  for (let grown = true; grown;) {
    grown = false;
    for (const { text } of sources) {
      for (const m of text.matchAll(/class (\w+) extends (\w+)/g)) {
        if (classes.has(m[2]) && !classes.has(m[1]) && m[1] !== 'ApiError') {
          classes.add(m[1]);
          grown = true;
        }
      }
    }
  }
  return classes;
}

type Found = Map<string, Set<string>>;

function thrownCodes(): { codes: Found; legacyStatuses: Array<{ code: string; status: number; file: string }> } {
  const codes: Found = new Map();
  const add = (code: string, file: string) => codes.set(code, (codes.get(code) ?? new Set()).add(file));
  const classes = codedClasses();
  const constructed = new RegExp(`new (${[...classes].join('|')})\\(`, 'g');
  const legacyStatuses: Array<{ code: string; status: number; file: string }> = [];
  for (const { file, text } of sources) {
    for (const m of text.matchAll(constructed))
      for (const code of literals(firstArgument(text, m.index + m[0].length - 1))) add(code, file);
    // Code unions and literals of error classes: `extends DomainError<'A' | 'B'>`, `code: 'A' | 'B'`, `code = 'A'`, `type XCode = 'A' | …`.
    for (const m of text.matchAll(/extends \w*Error<([^>{]+)>/g)) for (const code of literals(m[1])) add(code, file);
    for (const m of text.matchAll(/\bcode\??:\s*((?:'[A-Z0-9_]+'\s*\|?\s*)+)/g)) for (const code of literals(m[1])) add(code, file);
    for (const m of text.matchAll(/\bcode(?::\s*string)?\s*=(?!=)\s*('[A-Z0-9_]+')/g)) for (const code of literals(m[1])) add(code, file);
    for (const m of text.matchAll(/type \w*(?:Code|Rule) =([^;]+);/g)) for (const code of literals(m[1])) add(code, file);
    // The HTTP layer's own refusals.
    for (const m of text.matchAll(/failureOf\(\s*'([A-Z0-9_]+)'/g)) add(m[1], file);
    // Until src/providers throws DomainError: the deprecated ApiError(status, code) must agree with the table.
    for (const m of text.matchAll(/new ApiError\(\s*(\d+),\s*'([A-Z0-9_]+)'/g)) {
      add(m[2], file);
      legacyStatuses.push({ code: m[2], status: Number(m[1]), file });
    }
  }
  for (const subject of NOT_FOUND_SUBJECTS) add(notFoundCode(subject), 'src/errors.ts');
  return { codes, legacyStatuses };
}

describe('every error code has one HTTP status', () => {
  const { codes, legacyStatuses } = thrownCodes();

  it('finds the codes the service throws (the scan itself works)', () => {
    // A scan that silently found nothing would pass the checks below.
    for (const code of [
      'SEAL_NOT_FOUND',
      'MFA_RATE_LIMITED',
      'PDF_LIMIT_EXCEEDED',
      'CONVERT_TIMEOUT',
      'SEAL_ALREADY_SIGNED',
      'UNAUTHORIZED',
      'UPSTREAM_UNREACHABLE',
      'ENGINE_ERROR',
    ]) {
      expect(codes.has(code), code).toBe(true);
    }
    expect(codes.size).toBeGreaterThan(120);
  });

  it('gives every code the service can throw a status from 400 to 599 in src/http/error-status.ts', () => {
    const missing = [...codes].filter(([code]) => !isErrorCode(code)).map(([code, files]) => `${code} (${[...files].join(', ')})`);
    expect(missing, 'codes without a status in src/http/error-status.ts').toEqual([]);
    for (const [code, answer] of Object.entries(ERROR_TABLE)) {
      expect(answer.status, code).toBeGreaterThanOrEqual(400);
      expect(answer.status, code).toBeLessThan(600);
    }
  });

  it('lists nothing in the table that nothing throws', () => {
    const dead = Object.keys(ERROR_TABLE).filter((code) => !codes.has(code));
    expect(dead, 'table entries no source throws').toEqual([]);
  });

  it('names each code once in the table (a second entry would silently win)', () => {
    const text = fs.readFileSync(path.join(projectRoot(), 'src', 'http', 'error-status.ts'), 'utf8');
    const table = text.slice(text.indexOf('export const ERROR_TABLE'), text.indexOf('} satisfies'));
    const named = [...table.matchAll(/'([A-Z0-9_]+)'|^ {2}([A-Z0-9_]+):/gm)].map((m) => m[1] ?? m[2]);
    expect(named.length).toBe(Object.keys(ERROR_TABLE).length);
  });

  it('agrees with the statuses the deprecated ApiError sites still name', () => {
    const disagreeing = legacyStatuses.filter(({ code, status }) => isErrorCode(code) && ERROR_TABLE[code].status !== status);
    expect(disagreeing).toEqual([]);
  });
});

describe('the answer for a thrown error', () => {
  it('takes status and headers from the table, message and details from the error', () => {
    expect(
      httpFailureOf(new DomainError('RATE_LIMITED', 'Too many requests; try again in 7 s.', [{ bucket: 'ip', retryAfter: 7 }])),
    ).toEqual({
      status: 429,
      ecode: 'RATE_LIMITED',
      message: 'Too many requests; try again in 7 s.',
      entities: [{ bucket: 'ip', retryAfter: 7 }],
      headers: { 'Retry-After': '7' },
    });
    expect(httpFailureOf(new DomainError('UNAUTHORIZED', 'No.'))?.headers).toEqual({ 'WWW-Authenticate': 'Bearer' });
  });

  it('answers any error carrying a code of the table (a package error, an upstream error), with its `errors` as entities', () => {
    const limit = Object.assign(new Error('Too many objects.'), { code: 'PDF_LIMIT_EXCEEDED', errors: [{ limit: 'objects', max: 10 }] });
    expect(httpFailureOf(limit)).toMatchObject({ status: 422, ecode: 'PDF_LIMIT_EXCEEDED', entities: [{ limit: 'objects', max: 10 }] });
    expect(httpFailureOf(Object.assign(new Error('down'), { code: 'UPSTREAM_RATE_LIMITED' }))).toMatchObject({
      status: 503,
      headers: { 'Retry-After': '2' },
    });
  });

  it('leaves unknown codes and plain errors to the internal-error answer', () => {
    expect(httpFailureOf(new DomainError('NO_SUCH_CODE_ANYWHERE', 'x'))).toBeUndefined();
    expect(httpFailureOf(Object.assign(new Error('gone'), { code: 'ENOENT' }))).toBeUndefined();
    expect(httpFailureOf(new Error('bug'))).toBeUndefined();
  });

  it('relays an upstream code as a bad gateway, whatever our table says of that code', () => {
    expect(httpFailureOf(new RelayedError('VERSION_CONFLICT', 'The engine refused.', { source: 'engine', status: 409 }))).toMatchObject({
      status: 502,
      ecode: 'VERSION_CONFLICT',
    });
    expect(httpFailureOf(new RelayedError('ENGINE_BAD_RESPONSE', 'Not JSON.', { source: 'engine', status: 200 }))).toMatchObject({
      status: 500,
    });
  });
});
