import { createHash } from 'node:crypto';
import { signPdf } from '../pdf/pades/index.js';
import type { VerifyReport } from '@infoplus/pdf-verify';
import { TextPdf } from './text-pdf.js';
import type { ServiceSigningMaterial } from './service-key.js';
import type { Signature } from '../signature/schema.js';
import type { AuditChain } from '../audit/log.js';

export interface EvidenceInput {
  signature: Signature;
  /** Every revision of the document with its sha256, oldest first. */
  revisions: Array<{ fileId: string; sha256: string; size: number; createTime: number; sealIndex?: number }>;
  /** Verification of the current document (null when there is none yet). */
  report: VerifyReport | null;
  chain: AuditChain;
  generatedAt: Date;
}

const iso = (ms: number | string | null | undefined) => (ms === null || ms === undefined || ms === '' ? '—' : new Date(ms).toISOString());

/**
 * The evidence report of one Signature — document hashes, seals, certificates, the audit events with
 * their times and the state of the hash chain — as a PDF signed (PAdES) by the service's own key, so
 * any change to the report is detectable by any PDF verifier.
 */
export async function evidenceReportPdf(input: EvidenceInput, key: ServiceSigningMaterial): Promise<Uint8Array> {
  const { signature, report, chain } = input;
  const pdf = await TextPdf.create(`Evidence report ${signature.id}`);
  pdf.heading('证据报告 Evidence report', 16);
  pdf.field('Signature', signature.id);
  pdf.field('名称 Name', signature.name);
  pdf.field('生成时间 Generated at', input.generatedAt.toISOString());
  pdf.field('当前版本 Version', String(signature.version ?? ''));
  if (signature.template) pdf.field('模板 Template', signature.template);

  pdf.heading('文档版本 Document revisions', 12);
  input.revisions.forEach((revision, i) => {
    pdf.paragraph(
      `#${i + 1}  ${iso(revision.createTime)}  ${revision.size} bytes${revision.sealIndex === undefined ? '' : `  (seal ${revision.sealIndex})`}`,
      9,
      8,
    );
    pdf.paragraph(`sha256 ${revision.sha256}`, 8.5, 20);
  });

  pdf.heading('印章 Seals', 12);
  signature.seals.forEach((seal, i) => {
    pdf.paragraph(
      `#${i} ${seal.sealName ?? seal.description ?? ''} ${seal.sealType ? `（${seal.sealType}）` : ''} — ${seal.signature ? '已盖章 signed' : (seal.state ?? 'unsigned')}`,
      9.5,
      8,
    );
    if (seal.signedBy) pdf.field('盖章人 Applied by', `${seal.signedBy.name} (${seal.signedBy.account})`);
    if (seal.signedAt) pdf.field('时间 At', String(seal.signedAt));
    if (seal.provider) pdf.field('Provider', seal.provider);
    if (seal.algorithm) pdf.field('Algorithm', seal.algorithm);
    const der = seal.privateKey?.includes('BEGIN CERTIFICATE')
      ? Buffer.from(seal.privateKey.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64')
      : undefined;
    if (der?.length) pdf.field('证书 SHA-256 Certificate fingerprint', createHash('sha256').update(der).digest('hex'));
  });

  if (report) {
    pdf.heading('验证结果 Verification of the current document', 12);
    pdf.field('Overall', report.valid ? 'VALID' : 'NOT VALID');
    pdf.field('Document states', report.documentStates.join(', ') || '—');
    for (const s of report.signatures) {
      pdf.paragraph(`${s.field}: ${s.signer ?? 'unknown signer'} — issuer ${s.issuer ?? '—'}`, 9.5, 8);
      pdf.field('Signed at', `${s.signedAt ?? '—'} (${s.signedAtSource ?? 'no time'}${s.timestamped ? ', timestamped' : ''})`);
      pdf.field('States', s.states.join(', '));
      if (s.changes.length) pdf.field('Changes after signing', s.changes.join('; '));
    }
  }

  pdf.heading('审计记录 Audit trail', 12);
  pdf.field(
    'Hash chain',
    chain.intact
      ? `intact (${chain.entries.length} entries, head ${chain.head?.hash ?? '—'})`
      : `BROKEN: ${chain.breaks.map((b) => `#${b.seq} ${b.reason}`).join('; ')}`,
  );
  for (const entry of chain.entries) {
    pdf.paragraph(`#${entry.seq} ${iso(entry.time)} ${entry.type}${entry.actor ? ` by ${entry.actor}` : ''}`, 9, 8);
    const data = JSON.stringify(entry.data);
    if (data !== '{}') pdf.paragraph(data.length > 600 ? `${data.slice(0, 600)}…` : data, 7.5, 20);
    pdf.paragraph(`hash ${entry.hash}`, 7, 20);
  }
  pdf.gap(12);
  pdf.paragraph(
    "本报告由签章服务以其自身密钥签名；任何改动都会使签名失效。This report is signed with the service's own key; any change to it invalidates the signature.",
    8.5,
  );

  const unsigned = await pdf.bytes();
  const signed = await signPdf(unsigned, key, {
    placement: { kind: 'anchors', anchors: [{ page: 'last', x: 80, y: 70, origin: 'bottom-right' }], width: 90, height: 90 },
    image: { bytes: key.image, mime: 'image/png' },
    reason: 'Evidence report',
    signerName: 'InfoPlus Signature Service',
  });
  return signed.pdf;
}
