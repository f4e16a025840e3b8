// The browser's verdict on the seals of a Signature: what `verify()` resolves and `verify-result` carries.
export interface SealVerdict {
  index: number;
  valid: boolean;
  intact: boolean;
  modifiedAfterSigning: boolean;
  signer: string | null;
  signedAt: string | null;
  /** The signature in the PDF is the one recorded for this seal, by the certificate in `privateKey`. */
  certificateMatches: boolean;
  /** The service's verdict on the certificate chain. */
  trusted?: boolean;
  /** The service's revocation check of the chain. */
  revocation?: { status: 'good' | 'revoked' | 'unknown' | 'not-checked'; revokedAt?: string; reason?: string };
  /** A trustworthy timestamp proves the signing time (the service's verdict). */
  timestamped?: boolean;
  found: boolean;
}

export interface BrowserVerdict {
  valid: boolean;
  seals: SealVerdict[];
}
