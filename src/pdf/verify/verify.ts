import { KeyCache } from './algorithms.js';
import { bytesEqual } from './bytes.js';
import { ChainValidator } from './certificate-chain.js';
import { certificatesFromPem } from './certificate-names.js';
import { checkSignature, type SignatureCheck } from './check-signature.js';
import { berElementLength } from './cms.js';
import { PdfParseError } from './errors.js';
import { ModificationAnalyzer } from './modifications.js';
import { PdfFile, type Revision } from './pdf-file.js';
import { findSignatureFields, type SignatureDictionary } from './signature-fields.js';
import { SIGNATURE_STATES, type DocumentState, type RevisionReport, type SignatureReport, type VerifyOptions, type VerifyReport } from './types.js';

/**
 * Verifies every signature of a PDF: integrity of the signed bytes, the CMS signature, the
 * certificate chain against `trustAnchorsPem`, timestamps, and what later incremental updates
 * changed. Throws PdfParseError when the bytes are not a readable PDF.
 */
export async function verifyPdf(pdf: Uint8Array, options: VerifyOptions): Promise<VerifyReport> {
  if (!Array.isArray(options?.trustAnchorsPem)) throw new TypeError('verifyPdf needs options.trustAnchorsPem: an array of PEM strings');
  const file = openPdf(pdf);
  const anchors = options.trustAnchorsPem.flatMap((pem, i) => {
    const certificates = certificatesFromPem(pem);
    if (certificates.length === 0) throw new TypeError(`trustAnchorsPem[${i}] contains no PEM certificate`);
    return certificates;
  });
  const keys = new KeyCache();
  const context = { pdf, keys, chains: new ChainValidator(anchors, keys), now: options.now ?? new Date() };

  const form = findSignatureFields(file, file.lastRevision);
  const checks = await Promise.all(allSignatures(file).map((signature) => checkSignature(signature, context)));
  checks.sort((a, b) => a.coveredEnd - b.coveredEnd);

  const analyzer = new ModificationAnalyzer(file);
  const revisionChanges = file.revisions.map((revision, i) => (i === 0 ? [] : analyzer.disallowedChanges(file.revisions[i - 1], revision)));
  const signatures = checks.map((check) => withRevisionAnalysis(check, file.revisions, revisionChanges));
  const matchesRecord = options.expectedCms ? matchRecords(signatures, checks, options.expectedCms) : undefined;

  const documentStates: DocumentState[] = [];
  if (signatures.length === 0) documentStates.push('NO_SIGNATURES');
  const valid = signatures.length > 0 && signatures.every((s) => s.valid && s.trusted && !s.modifiedAfterSigning);
  if (valid) documentStates.push('ALL_SIGNATURES_VALID');
  const lastSigned = Math.max(0, ...checks.map((check) => check.coveredEnd));
  if (signatures.length > 0 && lastSigned < file.lastRevision.eofMarkerEnd) documentStates.push('UPDATED_AFTER_LAST_SIGNATURE');
  if (form.emptyFields.length > 0) documentStates.push('EMPTY_SIGNATURE_FIELDS');
  if (file.lastRevision.encrypted) documentStates.push('ENCRYPTED');
  if (file.revisions.some((revision) => revision.reconstructed)) documentStates.push('XREF_RECONSTRUCTED');

  const revisions: RevisionReport[] = file.revisions.map((revision, i) => ({
    index: revision.index,
    end: revision.end,
    signatureFields: signatures.filter((s) => s.revision === revision.index).map((s) => s.field),
    changes: revisionChanges[i],
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

function openPdf(pdf: Uint8Array): PdfFile {
  if (!(pdf instanceof Uint8Array)) throw new TypeError('verifyPdf expects the PDF as a Uint8Array');
  try {
    return new PdfFile(pdf);
  } catch (error) {
    if (error instanceof PdfParseError) throw error;
    throw new PdfParseError(`Not a readable PDF: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/**
 * Adds the revision of a signature and what later revisions changed. Changes are counted from the
 * last revision the signature covers completely: if the signed bytes stop short of a revision's
 * %%EOF, that revision's objects were not all signed.
 */
function withRevisionAnalysis(check: SignatureCheck, revisions: Revision[], revisionChanges: string[][]): SignatureReport {
  const { coveredEnd, cmsDer: _cmsDer, ...report } = check;
  const holding = revisions.find((revision) => revision.end >= coveredEnd) ?? revisions[revisions.length - 1];
  const fullyCovered = revisions.filter((revision) => revision.eofMarkerEnd <= coveredEnd);
  const base = fullyCovered[fullyCovered.length - 1];
  const changes = base
    ? [...new Set(revisionChanges.slice(base.index).flat())]
    : ['the signed bytes do not cover a complete revision'];
  const states = [...report.states];
  if (changes.length > 0) states.push('MODIFIED_AFTER_SIGNING');
  states.sort((a, b) => SIGNATURE_STATES.indexOf(a) - SIGNATURE_STATES.indexOf(b));
  return { ...report, revision: holding.index, modifiedAfterSigning: changes.length > 0, changes, states };
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
