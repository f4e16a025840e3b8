import { KeyCache } from './algorithms.js';
import { bytesEqual, bytesToBase64 } from './bytes.js';
import { ChainValidator } from './certificate-chain.js';
import { certificatesFromPem } from './certificate-names.js';
import { checkSignature, type SignatureCheck } from './check-signature.js';
import { berElementLength } from './cms.js';
import { PdfLimitError, PdfParseError } from './errors.js';
import { resolveLimits, WorkBudget } from './limits.js';
import { levelRank, maxLevel, ModificationAnalyzer, type Change } from './modifications.js';
import { PdfFile, type Revision } from './pdf-file.js';
import { get, isArray, dictOf } from './pdf-values.js';
import { addRevocationData, emptyRevocationData, type EmbeddedRevocationData } from './revocation.js';
import { findSignatureFields, type SignatureDictionary } from './signature-fields.js';
import { decodeStreamData } from './stream-data.js';
import { rethrowLimit } from './errors.js';
import { PDFRawStream } from '@cantoo/pdf-lib';
import {
  SIGNATURE_STATES,
  type DocumentState,
  type FieldLock,
  type ModificationLevel,
  type RevisionReport,
  type SignatureReport,
  type VerifyOptions,
  type VerifyReport,
} from './types.js';

/** What approval signatures allow after them when no certification says otherwise. */
const DEFAULT_ALLOWED_LEVEL: ModificationLevel = 'FORM_FILLING';
const LEVEL_BY_PERMISSION: Record<1 | 2 | 3, ModificationLevel> = { 1: 'LTA_UPDATES', 2: 'FORM_FILLING', 3: 'ANNOTATIONS' };

/**
 * Verifies every signature of a PDF: integrity of the signed bytes, the CMS signature, the
 * certificate chain against `trustAnchorsPem`, timestamps, and what later incremental updates
 * changed. Throws PdfParseError when the bytes are not a readable PDF, and PdfLimitError (a
 * PdfParseError) when reading them would take more work than `options.limits` allow.
 */
export async function verifyPdf(pdf: Uint8Array, options: VerifyOptions): Promise<VerifyReport> {
  if (!Array.isArray(options?.trustAnchorsPem)) throw new TypeError('verifyPdf needs options.trustAnchorsPem: an array of PEM strings');
  const budget = new WorkBudget(resolveLimits(options.limits));
  const file = openPdf(pdf, budget);
  const anchors = options.trustAnchorsPem.flatMap((pem, i) => {
    const certificates = certificatesFromPem(pem);
    if (certificates.length === 0) throw new TypeError(`trustAnchorsPem[${i}] contains no PEM certificate`);
    return certificates;
  });
  const keys = new KeyCache();
  const context = {
    pdf,
    keys,
    chains: new ChainValidator(anchors, keys),
    now: options.now ?? new Date(),
    revocation: options.revocation ?? { mode: 'off' as const },
    dss: options.revocation && options.revocation.mode !== 'off' ? documentSecurityStore(file) : emptyRevocationData(),
  };

  const form = findSignatureFields(file, file.lastRevision);
  const dictionaries = allSignatures(file);
  if (dictionaries.length > budget.limits.maxSignatures) {
    throw new PdfLimitError('maxSignatures', budget.limits.maxSignatures, `the file has ${dictionaries.length} signatures`);
  }
  const checks = await Promise.all(dictionaries.map(async (signature) => ({ signature, check: await checkSignature(signature, context) })));
  checks.sort((a, b) => a.check.coveredEnd - b.check.coveredEnd);

  const analyzer = new ModificationAnalyzer(file);
  const revisionChanges = file.revisions.map((revision, i) => (i === 0 ? [] : analyzer.changes(file.revisions[i - 1], revision)));
  const policy = permissionsInForce(checks);
  const signatures = checks.map(({ signature, check }) => withRevisionAnalysis(signature, check, file.revisions, revisionChanges, policy));
  const matchesRecord = options.expectedCms
    ? matchRecords(
        signatures,
        checks.map(({ check }) => check),
        options.expectedCms,
      )
    : undefined;

  const documentStates: DocumentState[] = [];
  if (signatures.length === 0) documentStates.push('NO_SIGNATURES');
  const valid = signatures.length > 0 && signatures.every((s) => s.valid && s.trusted && !s.modifiedAfterSigning);
  if (valid) documentStates.push('ALL_SIGNATURES_VALID');
  const lastSigned = Math.max(0, ...checks.map(({ check }) => check.coveredEnd));
  if (signatures.length > 0 && lastSigned < file.lastRevision.eofMarkerEnd) documentStates.push('UPDATED_AFTER_LAST_SIGNATURE');
  if (form.emptyFields.length > 0) documentStates.push('EMPTY_SIGNATURE_FIELDS');
  if (file.lastRevision.encrypted) documentStates.push('ENCRYPTED');
  if (file.revisions.some((revision) => revision.reconstructed)) documentStates.push('XREF_RECONSTRUCTED');
  if (signatures.some((s) => s.certification)) documentStates.push('CERTIFIED');

  const revisions: RevisionReport[] = file.revisions.map((revision, i) => ({
    index: revision.index,
    end: revision.end,
    signatureFields: signatures.filter((s) => s.revision === revision.index).map((s) => s.field),
    changes: revisionChanges[i].filter((change) => !change.signing).map((change) => change.description),
    level: maxLevel(revisionChanges[i].map((change) => change.level)),
  }));

  const report: VerifyReport = { valid, signatureCount: signatures.length, signatures, documentStates, revisions };
  if (matchesRecord !== undefined) report.matchesRecord = matchesRecord;
  return report;
}

/**
 * The signatures of every revision, newest first: a later revision may re-point or drop a field,
 * and the signature it displaced must still be reported (as modified after signing).
 */
function allSignatures(file: PdfFile): SignatureDictionary[] {
  const signatures = new Map<string, SignatureDictionary>();
  for (const revision of [...file.revisions].reverse()) {
    for (const signature of findSignatureFields(file, revision).signed) {
      const location = signature.objectNumber === undefined ? undefined : file.locationKey(revision, signature.objectNumber);
      const key = location ?? `${signature.fieldName}|${signature.byteRange?.join(' ')}`;
      if (!signatures.has(key)) signatures.set(key, signature);
    }
  }
  return [...signatures.values()];
}

/** OCSP responses and CRLs of the document security store (/DSS) of the last revision. */
function documentSecurityStore(file: PdfFile): EmbeddedRevocationData {
  const data = emptyRevocationData();
  const revision = file.lastRevision;
  const catalog = dictOf(revision.root && file.resolve(revision, revision.root));
  const dss = dictOf(file.deref(revision, get(catalog, 'DSS')));
  const streams = (key: string) => {
    const list = file.deref(revision, get(dss, key));
    const out: Uint8Array[] = [];
    for (const entry of isArray(list) ? list.asArray().slice(0, 200) : []) {
      const stream = file.deref(revision, entry);
      if (!(stream instanceof PDFRawStream)) continue;
      try {
        out.push(decodeStreamData(stream, file.budget));
      } catch (error) {
        rethrowLimit(error);
      }
    }
    return out;
  };
  if (dss) addRevocationData(data, streams('OCSPs'), streams('CRLs'));
  return data;
}

function openPdf(pdf: Uint8Array, budget: WorkBudget): PdfFile {
  if (!(pdf instanceof Uint8Array)) throw new TypeError('verifyPdf expects the PDF as a Uint8Array');
  try {
    return new PdfFile(pdf, budget);
  } catch (error) {
    if (error instanceof PdfParseError) throw error;
    throw new PdfParseError(`Not a readable PDF: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

interface Permissions {
  /** Certification (DocMDP) level and the offset from which it applies, if the document is certified. */
  certification?: { level: ModificationLevel; from: number };
}

/**
 * The DocMDP permissions of the document: those of its certification signature, which must be the
 * first signature (ISO 32000-2 §12.8.2.2); a "certification" after approval signatures is ignored.
 */
function permissionsInForce(checks: { signature: SignatureDictionary; check: SignatureCheck }[]): Permissions {
  const first = checks[0];
  const permissions = first?.signature.docMdpPermissions;
  if (!first || !permissions || !first.check.valid) return {};
  return { certification: { level: LEVEL_BY_PERMISSION[permissions], from: first.check.coveredEnd } };
}

/**
 * Adds the revision of a signature and what later revisions changed. Changes are counted from the
 * last revision the signature covers completely: if the signed bytes stop short of a revision's
 * %%EOF, that revision's objects were not all signed.
 */
function withRevisionAnalysis(
  signature: SignatureDictionary,
  check: SignatureCheck,
  revisions: Revision[],
  revisionChanges: Change[][],
  permissions: Permissions,
): SignatureReport {
  const { coveredEnd, cmsDer, ...report } = check;
  const holding = revisions.find((revision) => revision.end >= coveredEnd) ?? revisions[revisions.length - 1];
  const fullyCovered = revisions.filter((revision) => revision.eofMarkerEnd <= coveredEnd);
  const base = fullyCovered[fullyCovered.length - 1];

  // A certification decides what may change in a document; without one, form filling and signing.
  let allowed =
    permissions.certification && permissions.certification.from <= coveredEnd ? permissions.certification.level : DEFAULT_ALLOWED_LEVEL;
  if (signature.lockPermissions) allowed = lower(allowed, LEVEL_BY_PERMISSION[signature.lockPermissions]);

  const later = base ? revisionChanges.slice(base.index).flat() : [];
  const changes = base ? disallowed(later, allowed, signature.fieldLock) : ['the signed bytes do not cover a complete revision'];
  // The bytes after the signed range up to its revision's %%EOF (cross-reference data, trailer)
  // were not signed: whatever they say could have been changed.
  if (base && coveredEnd < holding.eofMarkerEnd) changes.unshift('the signed bytes stop before the end of their revision');
  const states = [...report.states];
  if (changes.length > 0) states.push('MODIFIED_AFTER_SIGNING');
  if (signature.docMdpPermissions) states.push('CERTIFICATION');
  states.sort((a, b) => SIGNATURE_STATES.indexOf(a) - SIGNATURE_STATES.indexOf(b));
  return {
    ...report,
    revision: holding.index,
    modifiedAfterSigning: changes.length > 0,
    changes,
    modificationLevel: base ? maxLevel(later.map((change) => change.level)) : 'OTHER',
    allowedModificationLevel: allowed,
    certification: signature.docMdpPermissions ? { permissions: signature.docMdpPermissions } : null,
    fieldLock: signature.fieldLock ?? null,
    cms: cmsDer ? bytesToBase64(cmsDer) : null,
    states,
  };
}

function lower(a: ModificationLevel, b: ModificationLevel): ModificationLevel {
  return levelRank(a) <= levelRank(b) ? a : b;
}

/** Descriptions of the changes beyond `allowed`, and of changes to fields the signature locks. */
function disallowed(changes: Change[], allowed: ModificationLevel, lock: FieldLock | undefined): string[] {
  const out = new Set<string>();
  for (const change of changes) {
    if (levelRank(change.level) > levelRank(allowed)) out.add(change.description);
    else if (change.field !== undefined && lock && locks(lock, change.field)) out.add(`${change.description} (locked by this signature)`);
  }
  return [...out];
}

function locks(lock: FieldLock, field: string): boolean {
  const listed = lock.fields.some((name) => field === name || field.startsWith(`${name}.`));
  return lock.action === 'All' || (lock.action === 'Include' ? listed : !listed);
}

function matchRecords(signatures: SignatureReport[], checks: SignatureCheck[], expectedCms: (Uint8Array | null)[]): boolean {
  const expected = expectedCms.map((cms) => (cms ? cms.subarray(0, berElementLength(cms) ?? cms.length) : null));
  const used = new Set<number>();
  signatures.forEach((signature, i) => {
    const actual = checks[i].cmsDer;
    const index = actual ? expected.findIndex((cms, j) => cms !== null && !used.has(j) && bytesEqual(cms, actual)) : -1;
    if (index >= 0) used.add(index);
    signature.sealIndex = index >= 0 ? index : null;
    signature.matchesRecord = index >= 0;
  });
  return expected.every((cms, j) => cms === null || used.has(j));
}
