// In-browser verification, run inside the verifier worker (verifier-worker.ts): every signature of
// the PDF is checked (digest over the ByteRange, the CMS signature, coverage, later changes) with the
// same isomorphic verifier the service uses — no private data leaves the page — and matched to its
// seal by the CMS bytes and the signer certificate (seals[i].privateKey holds the certificate).
import { verifyPdf } from '@infoplus/pdf-verify';
import type { SealSlot } from './api.js';
import type { BrowserVerdict, SealVerdict } from './verdict.js';

function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64.replace(/\s+/g, ''));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

const normalisePem = (pem: string | null | undefined) => (pem ?? '').replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');

export async function verifyInBrowser(pdf: Uint8Array, seals: SealSlot[], trusted: Map<number, boolean>): Promise<BrowserVerdict> {
  const expectedCms = seals.map((seal) => (seal.signature ? base64ToBytes(seal.signature) : null));
  // Trust is the service's call (its anchors); here only the cryptography and the document are checked.
  const report = await verifyPdf(pdf, { trustAnchorsPem: [], expectedCms });
  const verdicts: SealVerdict[] = [];
  seals.forEach((seal, index) => {
    if (!seal.signature) return;
    const match = report.signatures.find((s) => s.sealIndex === index);
    if (!match) {
      verdicts.push({
        index,
        valid: false,
        intact: false,
        modifiedAfterSigning: false,
        signer: null,
        signedAt: null,
        certificateMatches: false,
        trusted: trusted.get(index),
        found: false,
      });
      return;
    }
    const certificateMatches = normalisePem(match.signerCertificatePem) === normalisePem(seal.privateKey);
    verdicts.push({
      index,
      valid: match.valid && certificateMatches && !match.modifiedAfterSigning,
      intact: match.intact,
      modifiedAfterSigning: match.modifiedAfterSigning,
      signer: match.signer,
      signedAt: match.signedAt,
      certificateMatches,
      trusted: trusted.get(index),
      found: true,
    });
  });
  return { valid: verdicts.length > 0 && verdicts.every((v) => v.valid), seals: verdicts };
}

const DSS_KEY = new TextEncoder().encode('/DSS');

function carriesDss(pdf: Uint8Array): boolean {
  outer: for (let i = pdf.indexOf(DSS_KEY[0]); i >= 0 && i <= pdf.length - DSS_KEY.length; i = pdf.indexOf(DSS_KEY[0], i + 1)) {
    for (let j = 1; j < DSS_KEY.length; j++) if (pdf[i + j] !== DSS_KEY[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * The verifier's whole report for any PDF (the public verification page), trusting the given anchors.
 * Offline, revocation can only be judged from data the document carries: a file with a DSS (B-LT/B-LTA)
 * is checked against it; any other file says REVOCATION_NOT_CHECKED (the service checks it online).
 */
export async function reportInBrowser(pdf: Uint8Array, trustAnchorsPem: string[]) {
  return verifyPdf(pdf, { trustAnchorsPem, ...(carriesDss(pdf) ? { revocation: { mode: 'embedded' as const } } : {}) });
}
