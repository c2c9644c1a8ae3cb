import { defineService } from '../../platform/service.js'
import { notificationConfig, publicUrl } from './config.js'
import { devMailboxEnabled, registerDevMail } from './dev-mail.js'
import { createMailbox } from './mailbox.js'
import { createMailer, mailboxDir } from './mailer.js'
import { notificationMetrics, type NotifyDeps } from './notify.js'
import { NOTIFICATION_PATTERNS, NOTIFICATION_QUEUE, notificationHandlers } from './subscriptions.js'
import type { TemplateSettings } from './templates.js'

/** What the consumer's handlers work with, but the mailer: each consumer opens its own and closes it when it stops. */
interface NotificationDeps {
  notify: Omit<NotifyDeps, 'mailer'>
  templates: TemplateSettings
}

/**
 * The notification service: consumes order.* and user.* events and sends
 * e-mail. Its HTTP side is internal: health, plus the development mailbox in
 * the embedded shop. Mounted at the root; owns the `notifications` schema.
 */
export const notificationService = defineService({
  name: 'notification',
  // Internal only: /api/notifications/health, and /dev/mail in the embedded shop (not behind a proxy).
  prefix: '',
  // It exists to consume events; no Redis.
  needs: { broker: 'required' },
  config: notificationConfig,
  pool: (c) => ({ max: c.NOTIFICATION_DB_POOL_MAX, min: c.NOTIFICATION_DB_POOL_MIN }),
  migrations: { schema: 'notifications', dir: new URL('./migrations/', import.meta.url) },
  domain: async (deps, c): Promise<NotificationDeps> => ({
    notify: { db: deps.db, from: c.MAIL_FROM, resendUncertain: c.NOTIFICATION_RESEND_UNCERTAIN, metrics: notificationMetrics(deps.metrics.registry) },
    templates: {
      shopName: c.SHOP_NAME,
      verifyUrl: publicUrl(c) + c.NOTIFICATION_VERIFY_PATH,
      resetUrl: publicUrl(c) + c.NOTIFICATION_RESET_PATH,
      orderUrl: publicUrl(c) + c.NOTIFICATION_ORDER_PATH,
    },
  }),
  subscription: {
    queue: NOTIFICATION_QUEUE,
    patterns: NOTIFICATION_PATTERNS,
    prefetch: (c) => c.NOTIFICATION_CONCURRENCY,
    open: ({ config, domain }) => {
      const mailer = createMailer(config)
      return { handlers: notificationHandlers({ ...domain.notify, mailer }, domain.templates), close: () => mailer.close(), log: { mailer: mailer.kind } }
    },
  },
  plugin: async (app, { config }) => {
    app.get('/api/notifications/health', { schema: { tags: ['health'] } }, (req, reply) => app.health(req, reply))
    if (devMailboxEnabled(config)) await registerDevMail(app, createMailbox(mailboxDir(config)))
  },
})
