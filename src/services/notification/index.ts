import type { Deps } from '../../platform/deps.js'
import type { App } from '../../platform/server.js'
import type { NotificationConfig } from './config.js'
import { registerDevMail } from './dev-mail.js'
import { createMailbox } from './mailbox.js'
import { mailboxDir } from './mailer.js'

export interface NotificationServiceOptions {
  deps: Deps
  config: NotificationConfig
}

/**
 * The notification service: consumes order.* and user.* events and sends
 * e-mail (subscriptions.ts, started by the registry's start hook). Its HTTP
 * side is internal: health, plus the development mailbox in the embedded shop.
 * Mounted at the root; owns the `notifications` schema.
 */
export async function notificationService(app: App, { config }: NotificationServiceOptions) {
  app.get('/api/notifications/health', { schema: { tags: ['health'] } }, (_req, reply) => app.health(reply))
  if (!config.SMTP_URL) registerDevMail(app, createMailbox(mailboxDir(config)))
}
