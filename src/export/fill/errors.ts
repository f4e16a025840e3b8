import { DomainError } from '../../errors.js';

export interface TemplateErrorDetail {
  id: string;
  explanation: string;
  xtag?: string;
  file?: string;
  offset?: number;
}

interface DocxtemplaterError {
  name?: string;
  message?: string;
  properties?: { id?: string; explanation?: string; xtag?: string; file?: string; offset?: number; errors?: DocxtemplaterError[] };
}

function detail(error: DocxtemplaterError): TemplateErrorDetail {
  const p = error.properties ?? {};
  return {
    id: p.id ?? 'unknown',
    explanation: p.explanation ?? error.message ?? 'Template error',
    ...(p.xtag === undefined ? {} : { xtag: p.xtag }),
    ...(p.file === undefined ? {} : { file: p.file }),
    ...(typeof p.offset === 'number' ? { offset: p.offset } : {}),
  };
}

/**
 * Turns what docxtemplater throws into `422 TEMPLATE_ERROR` with `properties.errors[]` as entities
 * (id, explanation, xtag, file). Our own errors raised while resolving data (an image that is not
 * a file of ours, …) surface as themselves.
 */
export function templateError(error: unknown): Error {
  if (error instanceof DomainError) return error;
  const e = error as DocxtemplaterError;
  const nested = e?.properties?.errors ?? [];
  const own = nested.find((inner) => inner instanceof DomainError);
  if (own) return own;
  if (!e?.properties) return error instanceof Error ? error : new Error(String(error));
  const details = (nested.length > 0 ? nested : [e]).map(detail);
  const summary = details
    .slice(0, 5)
    .map((d) => (d.xtag ? `${d.explanation} (tag "${d.xtag}")` : d.explanation))
    .join('; ');
  return new DomainError(
    'TEMPLATE_ERROR',
    `The template has ${details.length} error(s): ${summary}${details.length > 5 ? '; …' : ''}`,
    details,
  );
}
