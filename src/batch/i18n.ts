import type { Locale } from '../stamping/i18n.js';

const strings = {
  'zh-CN': {
    title: '批量盖章',
    signedAs: (name: string) => `当前用户：${name}`,
    summary: (n: number) => `共 ${n} 份文件`,
    document: '文件',
    slot: '盖章位置',
    status: '状态',
    preview: '预览',
    hidePreview: '收起预览',
    previewAlt: (name: string) => `${name} 的预览`,
    chooseSeal: '选择一枚印章（用于全部文件）',
    noSeals: '没有一枚您持有的印章能满足全部可盖章位置的要求。',
    blockedTitle: '以下文件无法盖章',
    comment: '审批意见（可选，用于全部文件）',
    commentHint: '例如：同意',
    mfaCode: '动态验证码（此印章需要二次验证）',
    confirm: (n: number) => `确认为 ${n} 份文件盖章`,
    starting: '正在提交…',
    progress: (done: number | string, total: number | string) => `已处理 ${done} / ${total}`,
    finished: (stamped: number | string, failed: number | string) => `批量盖章完成：成功 ${stamped} 份，失败 ${failed} 份。`,
    failed: '提交失败：',
    states: { pending: '待盖章', running: '盖章中…', stamped: '已盖章', failed: '失败', refused: '不可盖章' } as Record<string, string>,
    lastPage: '最后一页',
    placeholder: (text: string) => `占位符“${text}”处`,
    coordinates: (page: number | undefined) => (page ? `第 ${page} 页指定坐标` : '最后一页指定坐标'),
    crossPage: '骑缝章',
  },
  en: {
    title: 'Batch stamping',
    signedAs: (name: string) => `Signed in as ${name}`,
    summary: (n: number) => `${n} documents`,
    document: 'Document',
    slot: 'Where',
    status: 'Status',
    preview: 'Preview',
    hidePreview: 'Hide preview',
    previewAlt: (name: string) => `Preview of ${name}`,
    chooseSeal: 'Choose one seal (for every document)',
    noSeals: 'None of your seals satisfies the rules of every slot that can be stamped.',
    blockedTitle: 'These documents cannot be stamped',
    comment: 'Approval comment (optional, for every document)',
    commentHint: 'e.g. Approved',
    mfaCode: 'One-time code (this seal requires a second factor)',
    confirm: (n: number) => `Stamp ${n} documents`,
    starting: 'Submitting…',
    progress: (done: number | string, total: number | string) => `${done} of ${total} processed`,
    finished: (stamped: number | string, failed: number | string) => `Batch finished: ${stamped} stamped, ${failed} failed.`,
    failed: 'Could not submit: ',
    states: { pending: 'to stamp', running: 'stamping…', stamped: 'stamped', failed: 'failed', refused: 'cannot be stamped' } as Record<
      string,
      string
    >,
    lastPage: 'last page',
    placeholder: (text: string) => `on “${text}”`,
    coordinates: (page: number | undefined) => (page ? `page ${page}, by coordinates` : 'last page, by coordinates'),
    crossPage: 'cross-page seal',
  },
} as const;

export type BatchStrings = (typeof strings)['zh-CN'] | (typeof strings)['en'];

export function batchStringsFor(locale: Locale): BatchStrings {
  return strings[locale];
}
