import { Type } from '@sinclair/typebox'
import type { Settings } from '../../platform/service.js'

/**
 * What the notification service reads from the environment. SMTP_URL set means
 * real e-mail; unset (the embedded shop) means a mailbox on disk that
 * GET /dev/mail shows.
 */
export const notificationConfig = Type.Object({
  SMTP_URL: Type.Optional(Type.String({ pattern: '^smtps?://', description: 'e.g. smtps://user:pass@smtp.example.com:465; unset: the on-disk mailbox.' })),
  MAIL_FROM: Type.String({ default: 'Emporium <no-reply@emporium.localhost>', minLength: 3, maxLength: 320 }),
  NOTIFICATION_INSTANCES: Type.Integer({ minimum: 1, default: 2, description: 'Instances PM2 runs (2 by default); they share one queue.' }),
  NOTIFICATION_DB_POOL_MAX: Type.Integer({ minimum: 1, default: 10 }),
  NOTIFICATION_DB_POOL_MIN: Type.Integer({ minimum: 0, default: 1 }),
  NOTIFICATION_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 200, default: 8, description: 'E-mails one instance sends at once (its prefetch).' }),
  NOTIFICATION_SMTP_MAX_CONNECTIONS: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
  NOTIFICATION_SMTP_TIMEOUT_MS: Type.Integer({ minimum: 1000, default: 15_000, description: 'Connect, greeting and socket timeouts of the SMTP client.' }),
  NOTIFICATION_MAILBOX_DIR: Type.Optional(Type.String({ minLength: 1, description: 'Embedded mailbox; default <DATA_DIR>/mailbox.' })),
  NOTIFICATION_RESEND_UNCERTAIN: Type.Boolean({
    default: false,
    description:
      'An e-mail whose sending was interrupted (crash between handing it to SMTP and recording the answer) is not sent again by default: a possible duplicate is traded for a possible loss. true trades the other way.',
  }),
  PUBLIC_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^/?#\\s]+(/[^?#\\s]*)?$',
      description: 'Where customers reach the shop (e.g. https://shop.example.com): every link in an e-mail starts with it. Unset: http://localhost:<PORT>.',
    }),
  ),
  // Storefront pages, relative to PUBLIC_URL; {token} / {orderId} are filled in (URL-encoded).
  NOTIFICATION_VERIFY_PATH: Type.String({ default: '/account/verify-email?token={token}', pattern: '^/.*\\{token\\}' }),
  NOTIFICATION_RESET_PATH: Type.String({ default: '/account/reset-password?token={token}', pattern: '^/.*\\{token\\}' }),
  NOTIFICATION_ORDER_PATH: Type.String({ default: '/account/orders/{orderId}', pattern: '^/.*\\{orderId\\}' }),
  SHOP_NAME: Type.String({ default: 'Emporium', minLength: 1, maxLength: 100 }),
})

export type NotificationSettings = Settings<typeof notificationConfig>

/** PUBLIC_URL, or the address this shop listens on as a browser on this machine writes it. */
export function publicUrl(config: Pick<NotificationSettings, 'PUBLIC_URL' | 'HOST' | 'PORT'>): string {
  if (config.PUBLIC_URL) return config.PUBLIC_URL.replace(/\/+$/, '')
  const local = ['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost'].includes(config.HOST)
  const host = local ? 'localhost' : config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST
  return `http://${host}:${config.PORT}`
}
