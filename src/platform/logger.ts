import type { LoggerOptions } from 'pino'
import { stdSerializers } from 'pino'
import type { PlatformConfig } from './config.js'

/**
 * Personal data never reaches a log line: customers' e-mail addresses, names
 * and addresses, card data, passwords and tokens. Two ways in are closed here:
 * objects logged with such a field (redact), and errors, whose serialized form
 * would carry what the database saw (safeError).
 */
const PERSONAL_FIELDS = [
  'email',
  'customerEmail',
  'customer_email',
  'shippingAddress',
  'shipping_address',
  'card',
  'cardNumber',
  'password',
  'currentPassword',
  'newPassword',
  'token',
  'refreshToken',
  'resetToken',
  'verificationToken',
]

/** pino settings shared by every process: JSON lines, personal data and secrets redacted, pretty only when asked. */
export function loggerOptions(config: Pick<PlatformConfig, 'LOG_LEVEL' | 'LOG_PRETTY'>, service: string): LoggerOptions {
  return {
    level: config.LOG_LEVEL,
    base: { service, pid: process.pid },
    serializers: { err: safeError },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-cart-token"]',
        'req.headers["x-internal-token"]',
        'res.headers["set-cookie"]',
        ...PERSONAL_FIELDS.flatMap((f) => [f, `*.${f}`]),
      ],
      censor: '[redacted]',
    },
    ...(config.LOG_PRETTY ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } } : {}),
  }
}

/**
 * What an error may show in a log: PGlite attaches the statement's parameters
 * (params), node-postgres the failing row (detail: "Failing row contains
 * (..., bob@example.com, ...)", "Key (email)=(...)"), and a data exception's
 * message quotes the value it refused. The SQL text, the SQLSTATE code, the
 * constraint and the stack stay: they are what a developer needs.
 */
const DROPPED = ['params', 'parameters', 'values', 'detail', 'queryOptions', 'where', 'internalQuery']

export function safeError(err: unknown): unknown {
  if (typeof err === 'string') return maskEmails(err)
  if (!err || typeof err !== 'object') return err
  return scrub(stdSerializers.err(err as Error) as unknown as Record<string, unknown>)
}

function scrub(e: Record<string, unknown>): Record<string, unknown> {
  for (const key of DROPPED) delete e[key]
  // SQLSTATE class 22 (data exception) messages quote the offending value: invalid input syntax for type uuid: "...".
  const quotesValue = typeof e.code === 'string' && e.code.startsWith('22')
  for (const key of ['message', 'stack'] as const) {
    const text = e[key]
    if (typeof text === 'string') e[key] = maskEmails(quotesValue ? text.replace(/"[^"]*"/g, '"[redacted]"') : text)
  }
  if (e.cause && typeof e.cause === 'object') e.cause = scrub(e.cause as Record<string, unknown>)
  if (Array.isArray(e.aggregateErrors)) e.aggregateErrors = e.aggregateErrors.map((a) => scrub(a as Record<string, unknown>))
  return e
}

/** A mail server's refusal names the recipient ("550 <bob@example.com>: no such user"). */
export function maskEmails(text: string): string {
  return text.replace(/[^\s<>"'(),;:@[\]]+@[^\s<>"'(),;:@[\]]+\.[^\s<>"'(),;:@[\].]+/g, '[email]')
}
