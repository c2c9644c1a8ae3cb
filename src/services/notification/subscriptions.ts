import type { EventType } from '../../contracts/events.js'
import type { EventHandler, EventHandlers } from '../../platform/events/consumer.js'
import { sendOnce, type NotifyDeps } from './notify.js'
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
