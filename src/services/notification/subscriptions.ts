import type { EventType } from '../../contracts/events.js'
import type { Stopper } from '../../platform/bus/bus.js'
import { createConsumer, type EventHandler, type EventHandlers } from '../../platform/events/consumer.js'
import type { Deps } from '../../platform/deps.js'
import type { NotificationConfig } from './config.js'
import { createMailer } from './mailer.js'
import { notificationMetrics, sendOnce, type NotifyDeps } from './notify.js'
import { payloadSchemas, type MailedEvent } from './payloads.js'
import { render, type TemplateSettings } from './templates.js'

/** The notification service's queue and what it is bound to. */
export const NOTIFICATION_QUEUE = 'notification'
export const NOTIFICATION_PATTERNS = ['order.*', 'user.*']
/** Events matching the patterns that mail nobody (order.delivered, user.email_verified, ...) are acknowledged and ignored. */
export const MAILED_EVENTS = Object.keys(payloadSchemas) as MailedEvent[]

export function notificationHandlers(deps: NotifyDeps, settings: TemplateSettings): EventHandlers {
  const handler = <T extends MailedEvent>(type: T): EventHandler<T> => ({
    payload: payloadSchemas[type],
    handle: (event, ctx) => sendOnce(deps, event, render(type, event.payload, settings), ctx),
  })
  return Object.fromEntries(MAILED_EVENTS.map((t) => [t, handler(t)])) as { [T in EventType]?: EventHandler<T> }
}

/** Starts this instance's consumer (and its mailer); the returned function stops both. */
export async function startNotifications(deps: Deps, config: NotificationConfig): Promise<Stopper> {
  const mailer = createMailer(config)
  const notifyDeps: NotifyDeps = {
    db: deps.db,
    mailer,
    from: config.MAIL_FROM,
    resendUncertain: config.NOTIFICATION_RESEND_UNCERTAIN,
    metrics: notificationMetrics(deps.metrics.registry),
  }
  const settings: TemplateSettings = {
    shopName: config.SHOP_NAME,
    verifyUrl: config.NOTIFICATION_VERIFY_URL,
    resetUrl: config.NOTIFICATION_RESET_URL,
    orderUrl: config.NOTIFICATION_ORDER_URL,
  }
  const consumer = createConsumer({
    queue: NOTIFICATION_QUEUE,
    patterns: NOTIFICATION_PATTERNS,
    inboxSchema: 'notifications',
    handlers: notificationHandlers(notifyDeps, settings),
    db: deps.db,
    log: deps.log.child({ service: 'notification' }),
    registry: deps.metrics.registry,
    prefetch: config.NOTIFICATION_CONCURRENCY,
  })
  let stop: Stopper
  try {
    stop = await deps.bus.subscribe(consumer)
  } catch (err) {
    await mailer.close()
    throw err
  }
  deps.log.info({ mailer: mailer.kind, queue: NOTIFICATION_QUEUE }, 'notification consumer started')
  return async () => {
    await stop()
    await mailer.close()
  }
}
