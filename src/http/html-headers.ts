import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * helmet's defaults for the service's HTML pages (signing page, return page, demo) with the page's
 * own Content-Security-Policy. Framing: `frame-ancestors 'none'` (and X-Frame-Options: DENY) unless
 * origins are listed (FRAME_ORIGINS). Cross-Origin-Opener-Policy stays `unsafe-none`: the signing page
 * is a popup of the form's page and tells it, by postMessage to that origin only, that it is done.
 */
export function htmlHeaders(directives: Record<string, string[]>, frameOrigins: readonly string[]): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { ...directives, 'frame-ancestors': frameOrigins.length > 0 ? [...frameOrigins] : ["'none'"] },
    },
    crossOriginOpenerPolicy: false,
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: frameOrigins.length > 0 ? false : { action: 'deny' },
  });
}
