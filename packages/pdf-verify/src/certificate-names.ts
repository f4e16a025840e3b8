import * as pkijs from 'pkijs';

const COMMON_NAME = '2.5.4.3';
const ORGANIZATION = '2.5.4.10';

/** "Common Name (Organization)", or whichever of the two the name has. */
export function displayName(name: pkijs.RelativeDistinguishedNames): string {
  const value = (oid: string) => {
    const attribute = name.typesAndValues.find((entry) => entry.type === oid);
    return attribute ? String(attribute.value.valueBlock.value) : undefined;
  };
  const commonName = value(COMMON_NAME);
  const organization = value(ORGANIZATION);
  if (commonName && organization) return `${commonName} (${organization})`;
  return commonName ?? organization ?? '';
}

export function certificatePem(der: Uint8Array): string {
  let binary = '';
  for (const byte of der) binary += String.fromCharCode(byte);
  const base64 = btoa(binary).replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN CERTIFICATE-----\n${base64}\n-----END CERTIFICATE-----\n`;
}

/** Every certificate in a PEM text (several may be concatenated). */
export function certificatesFromPem(pem: string): pkijs.Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((block) => {
    const base64 = block.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
    const binary = atob(base64);
    const der = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) der[i] = binary.charCodeAt(i);
    return pkijs.Certificate.fromBER(der);
  });
}
