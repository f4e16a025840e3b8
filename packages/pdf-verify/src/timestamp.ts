// RFC 3161 timestamp tokens: the signature-timestamp unsigned attribute of a PAdES signature and
// the token of a document timestamp (/SubFilter /ETSI.RFC3161).
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { digest, hashFromOid, KeyCache, UnsupportedAlgorithmError } from './algorithms.js';
import { bytesEqual } from './bytes.js';
import { ChainValidator, type ChainCheck } from './certificate-chain.js';
import { displayName } from './certificate-names.js';
import { checkSigner, CmsFormatError, OID, parseSignedCms, type SignedCms } from './cms.js';

/** The part of a timestamp check that goes into reports. */
export interface TimestampReport {
  /** The imprint matches, the token's signature verifies, and the TSA certificate is trusted. */
  valid: boolean;
  /** Time asserted by the timestamp authority. */
  genTime?: string;
  /** Display name of the timestamp authority's certificate. */
  authority?: string;
  imprintMatches: boolean;
  signatureValid: boolean;
  trusted: boolean;
  /** Why the token is not valid, in words. */
  problems: string[];
}

export interface TimestampCheck extends TimestampReport {
  cms?: SignedCms;
  chain?: ChainCheck;
  digestAlgorithm?: string;
  signatureAlgorithm?: string;
}

export function timestampReport(check: TimestampCheck): TimestampReport {
  const { valid, genTime, authority, imprintMatches, signatureValid, trusted, problems } = check;
  return { valid, genTime, authority, imprintMatches, signatureValid, trusted, problems };
}

/** Checks a timestamp token (DER ContentInfo) whose message imprint should cover `imprinted`. */
export async function checkTimestampToken(
  token: Uint8Array,
  imprinted: Uint8Array<ArrayBuffer>,
  keys: KeyCache,
  chains: ChainValidator,
): Promise<TimestampCheck> {
  const result: TimestampCheck = { valid: false, imprintMatches: false, signatureValid: false, trusted: false, problems: [] };
  try {
    const cms = parseSignedCms(token);
    result.cms = cms;
    const encapsulated = cms.signedData.encapContentInfo;
    if (encapsulated.eContentType !== OID.tstInfo || !encapsulated.eContent) throw new CmsFormatError('token does not carry a TSTInfo');
    const tstInfoBytes = new Uint8Array(encapsulated.eContent.getValue());
    const tstInfo = new pkijs.TSTInfo({ schema: asn1js.fromBER(tstInfoBytes).result });
    result.genTime = tstInfo.genTime.toISOString();

    const imprintHash = hashFromOid(tstInfo.messageImprint.hashAlgorithm.algorithmId);
    result.imprintMatches = bytesEqual(tstInfo.messageImprint.hashedMessage.valueBlock.valueHexView, await digest(imprintHash, imprinted));
    if (!result.imprintMatches) result.problems.push('message imprint does not match');

    const signer = await checkSigner(cms, tstInfoBytes, keys);
    result.digestAlgorithm = signer.digestAlgorithm;
    result.signatureAlgorithm = signer.signatureAlgorithm;
    result.signatureValid = signer.contentDigestMatches && signer.signatureVerifies && signer.signingCertificateMatches !== false;
    if (!result.signatureValid) result.problems.push('token signature does not verify');

    if (cms.signerCertificate) {
      result.authority = displayName(cms.signerCertificate.subject);
      const chain = await chains.check(cms.signerCertificate, cms.certificates, tstInfo.genTime, 'timestamping');
      result.chain = chain;
      result.trusted = chain.trusted;
      if (!chain.trusted) result.problems.push(`timestamp authority not trusted (${chain.states.join(', ')})`);
    }
  } catch (error) {
    // pkijs reports malformed structures with plain Errors; all of them mean "cannot be checked".
    const reason = error instanceof CmsFormatError || error instanceof UnsupportedAlgorithmError ? error.message : String(error);
    result.problems.push(`timestamp token cannot be checked: ${reason}`);
  }
  result.valid = result.imprintMatches && result.signatureValid && result.trusted;
  return result;
}
