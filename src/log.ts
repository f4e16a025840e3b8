import { pino, type Logger } from 'pino';

/** Structured JSON logs. Credentials never reach a log line: these paths are redacted wherever they appear. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'infoplus-signature' },
      redact: {
        paths: [
          'authorization',
          'ticket',
          'privateKey',
          'privateKeyPem',
          'passphrase',
          'secret',
          '*.authorization',
          '*.ticket',
          '*.privateKey',
          '*.passphrase',
          '*.secret',
        ],
        censor: '[redacted]',
      },
    },
    destination as pino.DestinationStream | undefined,
  );
}

/** A URL for logs: ticket and other credential-like query values, and credential path segments (the Zoho webhook token), replaced. */
export function redactUrl(url: string): string {
  return url
    .replace(/([?&](?:ticket|token|key|secret|signature)=)[^&#]*/gi, '$1[redacted]')
    .replace(/(\/callbacks\/zoho\/)[^/?#]*/gi, '$1[redacted]');
}
