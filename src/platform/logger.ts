import type { LoggerOptions } from 'pino'
import type { PlatformConfig } from './config.js'

/** pino settings shared by every process: JSON lines, secrets redacted, pretty only when asked. */
export function loggerOptions(config: Pick<PlatformConfig, 'LOG_LEVEL' | 'LOG_PRETTY'>, service: string): LoggerOptions {
  return {
    level: config.LOG_LEVEL,
    base: { service, pid: process.pid },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-cart-token"]',
        'res.headers["set-cookie"]',
        '*.password',
        '*.token',
        '*.refreshToken',
      ],
      censor: '[redacted]',
    },
    ...(config.LOG_PRETTY ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  }
}
