/**
 * Structured logs: JSON lines (pino) on standard output. Secrets never reach them: credentials
 * and tokens are redacted wherever they appear in a logged object.
 */
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger } from 'pino';

export function createLogger(level: LogLevel, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'smartcharge' },
      redact: {
        paths: [
          'secret',
          '*.secret',
          'admin_token',
          '*.admin_token',
          'authorization',
          '*.authorization',
          'req.headers.authorization',
          'req.headers.cookie',
          'password',
          '*.password',
          'token',
          '*.token',
          'paypalClientSecret',
          '*.paypalClientSecret',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? process.stdout,
  );
}
