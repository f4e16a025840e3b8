export type Locale = 'zh-CN' | 'en';

const strings = {
  'zh-CN': {
    title: '盖章',
    document: '文件',
    sealSlot: '盖章位置',
    byPlaceholder: (text: string) => `占位符“${text}”处`,
    byCoordinates: (page: string, x: number, y: number) => `${page}，距左 ${x} 点、距顶 ${y} 点`,
    lastPage: '最后一页',
    page: (n: number) => `第 ${n} 页`,
    crossPage: '骑缝章（跨越每页右边缘）',
    designatedSigner: '指定签署人',
    chooseSeal: '选择印章',
    noSeals: '您没有可用于此处的印章。',
    comment: '审批意见（可选）',
    commentHint: '例如：同意',
    mfaCode: '动态验证码（此印章需要二次验证）',
    confirm: '确认盖章',
    signing: '正在盖章…',
    done: '盖章完成。此窗口可以关闭。',
    alreadySigned: '此处已经盖章。',
    denied: '您不能在此处盖章：',
    preview: '文件预览',
    signedAs: (name: string) => `当前用户：${name}`,
    failed: '盖章失败：',
    sealTypes: '允许的印章类型',
    any: '不限',
    redirecting: '正在前往签署服务完成签署…',
    returnTitle: '签署结果',
    flowStates: {
      starting: '正在发起签署…',
      pending: '签署处理中，请稍候…',
      signed: '签署完成，印章已加盖。此窗口可以关闭。',
      refused: '签署已被拒绝。',
      failed: '签署失败。',
      cancelled: '签署已撤销。',
      expired: '签署已过期。',
    } as Record<string, string>,
  },
  en: {
    title: 'Apply seal',
    document: 'Document',
    sealSlot: 'Where',
    byPlaceholder: (text: string) => `on the placeholder “${text}”`,
    byCoordinates: (page: string, x: number, y: number) => `${page}, ${x} pt from the left, ${y} pt from the top`,
    lastPage: 'last page',
    page: (n: number) => `page ${n}`,
    crossPage: 'cross-page seal (across the right edge of every page)',
    designatedSigner: 'Designated signer',
    chooseSeal: 'Choose a seal',
    noSeals: 'You hold no seal that may be used here.',
    comment: 'Approval comment (optional)',
    commentHint: 'e.g. Approved',
    mfaCode: 'One-time code (this seal requires a second factor)',
    confirm: 'Apply seal',
    signing: 'Applying…',
    done: 'The seal was applied. You may close this window.',
    alreadySigned: 'This seal has already been applied.',
    denied: 'You may not apply this seal: ',
    preview: 'Document preview',
    signedAs: (name: string) => `Signed in as ${name}`,
    failed: 'The seal could not be applied: ',
    sealTypes: 'Allowed seal types',
    any: 'any',
    redirecting: 'Taking you to the signing service to finish…',
    returnTitle: 'Signing result',
    flowStates: {
      starting: 'Starting…',
      pending: 'Signing is being processed, please wait…',
      signed: 'Signed: the seal was applied. You may close this window.',
      refused: 'The signing was refused.',
      failed: 'The signing failed.',
      cancelled: 'The signing was cancelled.',
      expired: 'The signing expired.',
    } as Record<string, string>,
  },
} as const;

export type Strings = (typeof strings)['zh-CN'] | (typeof strings)['en'];

export function pickLocale(query: unknown, acceptLanguage: string | undefined): Locale {
  if (query === 'en' || query === 'zh-CN') return query;
  if (acceptLanguage && /^en\b/i.test(acceptLanguage.trim())) return 'en';
  return 'zh-CN';
}

export function stringsFor(locale: Locale): Strings {
  return strings[locale];
}
