import type { VerifyReport } from '@infoplus/pdf-verify';
import { TextPdf } from './text-pdf.js';

export interface VerificationReportInput {
  lang: 'zh-CN' | 'en';
  fileName?: string;
  sha256?: string;
  report: VerifyReport;
  generatedAt: Date;
  serviceUrl: string;
}

/** The verification page's report as a PDF: the verdict of each seal in words, with its state codes. */
export async function verificationReportPdf(input: VerificationReportInput): Promise<Uint8Array> {
  const en = input.lang === 'en';
  const { report } = input;
  const pdf = await TextPdf.create(en ? 'Verification report' : '验证报告');
  pdf.heading(en ? 'Verification report' : '电子印章验证报告', 16);
  if (input.fileName) pdf.field(en ? 'File' : '文件', input.fileName);
  if (input.sha256) pdf.field('sha256', input.sha256);
  pdf.field(en ? 'Made at' : '生成时间', input.generatedAt.toISOString());
  pdf.field(
    en ? 'Overall' : '总体结论',
    report.valid
      ? en
        ? 'VALID — every seal valid and trusted, not changed after sealing'
        : '有效 —— 所有印章有效、可信，盖章后未被篡改'
      : en
        ? 'NOT VALID'
        : '未通过验证',
  );
  pdf.field(en ? 'Document' : '文件状态', report.documentStates.join(', ') || '—');
  report.signatures.forEach((s, i) => {
    pdf.heading(`${en ? 'Seal' : '印章'} ${i + 1}: ${s.reason ?? s.signer ?? s.field}`, 12);
    pdf.field(en ? 'Signer' : '签署人', s.signer ?? '—');
    pdf.field(en ? 'Issuer' : '签发者', s.issuer ?? '—');
    pdf.field(
      en ? 'Applied at' : '盖章时间',
      `${s.signedAt ?? '—'}${s.timestamped ? (en ? ' (proven by a timestamp)' : '（由时间戳证明）') : en ? ' (claimed, no timestamp)' : '（签署方声明，无时间戳）'}`,
    );
    pdf.field(en ? 'Valid' : '签名有效', String(s.valid));
    pdf.field(en ? 'Trusted' : '证书可信', String(s.trusted));
    pdf.field(
      en ? 'Changed after sealing' : '盖章后被改动',
      s.modifiedAfterSigning ? `${en ? 'YES' : '是'}: ${s.changes.join('; ')}` : en ? 'no' : '否',
    );
    pdf.field(en ? 'Checks' : '检查结果', s.states.join(', '));
    if (s.problems?.length) pdf.field(en ? 'Problems' : '问题', s.problems.join('; '));
  });
  pdf.gap(12);
  pdf.paragraph(
    en
      ? `This report restates what the verifier at ${input.serviceUrl}/verify computed for the file above. It is not signed: to rely on it, verify the file again.`
      : `本报告记录 ${input.serviceUrl}/verify 的验证程序对上述文件的验证结果。报告本身未签名；如需依据，请重新验证该文件。`,
    8.5,
  );
  return pdf.bytes();
}
