/** The exact bytes of a view as a standalone ArrayBuffer (what asn1js and WebCrypto take). */
export function arrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
