// Verifies one signature dictionary against the file bytes: /ByteRange, CMS signature, ESS
// signing certificate, timestamp, certificate chain. Revision analysis is done by the caller.
import * as asn1js from 'asn1js';
import type * as pkijs from 'pkijs';
import { KeyCache, UnsupportedAlgorithmError } from './algorithms.js';
import { checkByteRange } from './byte-range.js';
import { ChainValidator, type ChainCheck } from './certificate-chain.js';
import { certificatePem, displayName } from './certificate-names.js';
import { attributeValue, certificateDer, checkSigner, CmsFormatError, OID, parseSignedCms, type SignedCms } from './cms.js';
import { parsePdfDate } from './pdf-date.js';
import type { SignatureDictionary } from './signature-fields.js';
import { checkTimestampToken, timestampReport, type TimestampCheck } from './timestamp.js';
import {
  addRevocationData,
  checkRevocation,
  revocationInfoArchival,
  type EmbeddedRevocationData,
  type RevocationOptions,
} from './revocation.js';
import type { SignatureReport, SignatureState } from './types.js';

const CMS_SUBFILTERS = new Set(['adbe.pkcs7.detached', 'ETSI.CAdES.detached']);
const DOCUMENT_TIMESTAMP_SUBFILTER = 'ETSI.RFC3161';

export interface SignatureContext {
  pdf: Uint8Array;
  keys: KeyCache;
  chains: ChainValidator;
  now: Date;
  revocation: RevocationOptions;
  /** Revocation data of the document's DSS. */
  dss: EmbeddedRevocationData;
}

/** The verdict on one signature, before the revision analysis. */
export type SignatureCheck = Omit<
  SignatureReport,
  | 'revision'
  | 'modifiedAfterSigning'
  | 'changes'
  | 'matchesRecord'
  | 'sealIndex'
  | 'cms'
  | 'modificationLevel'
  | 'allowedModificationLevel'
  | 'certification'
  | 'fieldLock'
> & {
  /** Offset just past the last signed byte. */
  coveredEnd: number;
  /** The CMS as DER, without /Contents padding (null when unreadable). */
  cmsDer: Uint8Array | null;
};

export async function checkSignature(signature: SignatureDictionary, context: SignatureContext): Promise<SignatureCheck> {
  const states = new Set<SignatureState>();
  const problems: string[] = [];
  const range = checkByteRange(context.pdf, signature.byteRange, signature.contents, signature.definedAt);
  if (!range.wellFormed) {
    states.add('BYTE_RANGE_INVALID');
    problems.push(...range.problems);
  }
  const coversWholeDocument = range.wellFormed && range.coveredEnd === context.pdf.length;
  states.add(coversWholeDocument ? 'COVERS_WHOLE_DOCUMENT' : 'PARTIAL_COVERAGE');

  const result: SignatureCheck = {
    field: signature.fieldName,
    signer: null,
    signerName: signature.signerName ?? null,
    signerCertificatePem: null,
    issuer: null,
    signedAt: null,
    signedAtSource: null,
    timestamped: false,
    timestamp: null,
    subFilter: signature.subFilter ?? null,
    digestAlgorithm: null,
    signatureAlgorithm: null,
    byteRange: signature.byteRange ?? [],
    intact: false,
    valid: false,
    trusted: false,
    coversWholeDocument,
    states: [],
    problems,
    reason: signature.reason ?? null,
    location: signature.location ?? null,
    coveredEnd: range.coveredEnd,
    cmsDer: null,
    revocation: { status: 'not-checked' },
  };

  const contents = signature.contents;
  const subFilter = signature.subFilter ?? '';
  let cryptographicallyValid = false;
  if (!contents || contents.length === 0) {
    states.add('CMS_UNREADABLE');
    problems.push('the signature dictionary has no /Contents');
  } else if (subFilter === DOCUMENT_TIMESTAMP_SUBFILTER || CMS_SUBFILTERS.has(subFilter)) {
    const check: ContentsCheck = { contents, signedBytes: range.signedBytes, context, result, states };
    cryptographicallyValid =
      subFilter === DOCUMENT_TIMESTAMP_SUBFILTER ? await checkDocumentTimestamp(check) : await checkCmsSignature(check, signature);
  } else {
    states.add('UNSUPPORTED_SUBFILTER');
    problems.push(`unsupported /SubFilter ${subFilter || '(none)'}`);
  }

  result.valid = cryptographicallyValid && range.wellFormed;
  states.add(result.valid ? 'SIGNATURE_VALID' : 'SIGNATURE_INVALID');
  if (result.revocation.status === 'not-checked') states.add('REVOCATION_NOT_CHECKED');
  result.states = [...states];
  return result;
}

/** The /Contents of one signature, the bytes it should cover, and the verdict its check fills in. */
interface ContentsCheck {
  contents: Uint8Array;
  signedBytes: Uint8Array<ArrayBuffer> | undefined;
  context: SignatureContext;
  result: SignatureCheck;
  states: Set<SignatureState>;
}

async function checkCmsSignature(
  { contents, signedBytes, context, result, states }: ContentsCheck,
  signature: SignatureDictionary,
): Promise<boolean> {
  let cms: SignedCms;
  try {
    cms = parseSignedCms(contents);
  } catch (error) {
    states.add('CMS_UNREADABLE');
    result.problems.push(String(error instanceof Error ? error.message : error));
    let end = contents.length;
    while (end > 0 && contents[end - 1] === 0) end--;
    result.cmsDer = contents.subarray(0, end);
    return false;
  }
  result.cmsDer = cms.der;
  const signerCertificate = cms.signerCertificate;
  if (!signerCertificate) {
    states.add('SIGNER_CERT_MISSING');
    result.problems.push('the signer certificate is not included in the CMS');
    return false;
  }
  describeSigner(result, signerCertificate);

  let cryptographicallyValid = false;
  let signingTimeAttribute: Date | undefined;
  if (signedBytes) {
    try {
      const signer = await checkSigner(cms, signedBytes, context.keys);
      result.digestAlgorithm = signer.digestAlgorithm;
      result.signatureAlgorithm = signer.signatureAlgorithm;
      result.intact = signer.contentDigestMatches;
      signingTimeAttribute = signer.signingTime;
      if (signer.unsupported) {
        states.add('UNSUPPORTED_ALGORITHM');
        result.problems.push(signer.unsupported);
      }
      if (!signer.contentDigestMatches) {
        states.add('DIGEST_MISMATCH');
        result.problems.push(
          signer.hasSignedAttributes
            ? 'the signed bytes do not match the message digest'
            : 'the signature does not verify over the signed bytes',
        );
      }
      if (signer.signingCertificateMatches === false) {
        states.add('SIGNING_CERT_MISMATCH');
        result.problems.push('the signing-certificate attribute names a different certificate');
      }
      cryptographicallyValid = signer.contentDigestMatches && signer.signatureVerifies && signer.signingCertificateMatches !== false;
      if (!signer.signatureVerifies && !signer.unsupported)
        result.problems.push('the signature does not verify with the signer certificate');
    } catch (error) {
      if (!(error instanceof UnsupportedAlgorithmError || error instanceof CmsFormatError)) throw error;
      states.add(error instanceof UnsupportedAlgorithmError ? 'UNSUPPORTED_ALGORITHM' : 'CMS_UNREADABLE');
      result.problems.push(error.message);
    }
  }

  const token = attributeValue(cms.signerInfo.unsignedAttrs, OID.timestampToken);
  let timestamp: TimestampCheck | undefined;
  if (token instanceof asn1js.Sequence) {
    const signatureValue = new Uint8Array(cms.signerInfo.signature.valueBlock.valueHexView);
    timestamp = await checkTimestampToken(new Uint8Array(token.toBER(false)), signatureValue, context.keys, context.chains);
    result.timestamp = timestampReport(timestamp);
    addTimestampStates(timestamp, states);
    if (!timestamp.valid) result.problems.push(...timestamp.problems.map((problem) => `timestamp: ${problem}`));
  }

  const claimedTime = parsePdfDate(signature.signingTimeText);
  // Only a timestamp from a trusted authority proves the signing time.
  if (timestamp?.valid && timestamp.genTime) {
    result.signedAt = timestamp.genTime;
    result.signedAtSource = 'timestamp';
    result.timestamped = true;
  } else if (claimedTime) {
    result.signedAt = claimedTime;
    result.signedAtSource = 'signature-dictionary';
  } else if (signingTimeAttribute) {
    result.signedAt = signingTimeAttribute.toISOString();
    result.signedAtSource = 'signing-time-attribute';
  }

  const chain = await context.chains.check(
    signerCertificate,
    cms.certificates,
    result.signedAt ? new Date(result.signedAt) : context.now,
    'document-signing',
  );
  applyChain(result, chain, states);
  if (context.revocation.mode !== 'off') {
    const embedded = { ...context.dss, ocsp: [...context.dss.ocsp], crls: [...context.dss.crls] };
    const archived = revocationInfoArchival(cms.signerInfo);
    addRevocationData(embedded, archived.ocsp, archived.crls);
    await applyRevocation(result, chain.path, embedded, context, states);
  }
  return cryptographicallyValid;
}

/** /SubFilter /ETSI.RFC3161: the /Contents is a timestamp token over the /ByteRange bytes. */
async function checkDocumentTimestamp({ contents, signedBytes, context, result, states }: ContentsCheck): Promise<boolean> {
  if (!signedBytes) return false;
  const timestamp = await checkTimestampToken(contents, signedBytes, context.keys, context.chains);
  result.timestamp = timestampReport(timestamp);
  result.cmsDer = timestamp.cms?.der ?? null;
  result.digestAlgorithm = timestamp.digestAlgorithm ?? null;
  result.signatureAlgorithm = timestamp.signatureAlgorithm ?? null;
  result.intact = timestamp.imprintMatches;
  if (timestamp.cms?.signerCertificate) describeSigner(result, timestamp.cms.signerCertificate);
  if (timestamp.genTime) {
    result.signedAt = timestamp.genTime;
    result.signedAtSource = 'timestamp';
  }
  result.timestamped = timestamp.valid;
  addTimestampStates(timestamp, states);
  if (!timestamp.imprintMatches && timestamp.cms) states.add('DIGEST_MISMATCH');
  if (!timestamp.cms) states.add('CMS_UNREADABLE');
  result.problems.push(...timestamp.problems);
  if (timestamp.chain) applyChain(result, timestamp.chain, states);
  else states.add('CERT_ISSUER_UNKNOWN');
  return timestamp.imprintMatches && timestamp.signatureValid;
}

/**
 * A token that verifies cryptographically but whose authority does not chain to a trust anchor is
 * valid and untrusted, not invalid; it then proves no time.
 */
function addTimestampStates(timestamp: TimestampCheck, states: Set<SignatureState>): void {
  const cryptographicallyValid = timestamp.imprintMatches && timestamp.signatureValid;
  states.add(cryptographicallyValid ? 'TIMESTAMP_VALID' : 'TIMESTAMP_INVALID');
  if (cryptographicallyValid && !timestamp.trusted) states.add('TIMESTAMP_UNTRUSTED');
}

/**
 * Revocation decides trust: a revoked certificate is untrusted unless a trustworthy timestamp
 * proves the signature was made before the revocation; a status that could not be had for a
 * certificate that names its OCSP responder or CRL is untrusted too (never valid by default).
 */
async function applyRevocation(
  result: SignatureCheck,
  path: pkijs.Certificate[],
  embedded: EmbeddedRevocationData,
  context: SignatureContext,
  states: Set<SignatureState>,
): Promise<void> {
  const report = await checkRevocation(path, embedded, context.revocation, context.keys);
  result.revocation = report;
  const untrust = () => {
    result.trusted = false;
    states.delete('CERT_TRUSTED');
  };
  if (report.status === 'good') states.add('REVOCATION_GOOD');
  if (report.status === 'revoked') {
    states.add('CERT_REVOKED');
    const proven = result.timestamped && result.signedAt && report.revokedAt && new Date(result.signedAt) < new Date(report.revokedAt);
    if (proven) {
      result.problems.push(
        `the certificate was revoked on ${report.revokedAt} (${report.reason}), after the signing time the timestamp proves: the signature stays valid`,
      );
    } else {
      untrust();
      result.problems.push(
        `the certificate${report.certificate ? ` of ${report.certificate}` : ''} is revoked since ${report.revokedAt} (${report.reason})`,
      );
    }
  }
  if (report.status === 'unknown') {
    states.add('REVOCATION_UNKNOWN');
    result.problems.push(`revocation status unknown: ${report.why}`);
    if (!report.noSources) untrust();
  }
}

function describeSigner(result: SignatureCheck, certificate: pkijs.Certificate): void {
  result.signer = displayName(certificate.subject);
  result.issuer = displayName(certificate.issuer);
  result.signerCertificatePem = certificatePem(certificateDer(certificate));
}

function applyChain(result: SignatureCheck, chain: ChainCheck, states: Set<SignatureState>): void {
  result.trusted = chain.trusted;
  for (const state of chain.states) states.add(state);
}
