import { Counter, Histogram, type Registry } from 'prom-client'
import type { EventEnvelope } from '../../contracts/events.js'
import { isPermanent } from '../../platform/bus/bus.js'
import type { Db } from '../../platform/db/db.js'
import type { HandlerContext } from '../../platform/events/consumer.js'
import type { Mailer } from './mailer.js'
import { claimDelivery, markFailed, markSent } from './notification-store.js'
import type { RenderedMail } from './templates.js'

export interface NotifyDeps {
  db: Db
  mailer: Mailer
  from: string
  resendUncertain: boolean
  metrics: NotificationMetrics
}

/**
 * Sends the e-mail of one event at most once, in three steps:
 * 1. commit the delivery as 'sending' (claimDelivery decides whether to send);
 * 2. hand it to the mail server;
 * 3. commit 'sent' together with the event's id in the inbox; the bus acks after.
 * A crash after 3 is harmless (the inbox drops the redelivery), one before 2
 * leaves 'failed'/'sending'. The only window left is between the server taking
 * the message and step 3 committing: the redelivery finds 'sending', cannot know
 * whether the server has the e-mail, and by default does not send again
 * (NOTIFICATION_RESEND_UNCERTAIN) — the e-mail is then 'uncertain', possibly lost,
 * never doubled. The deterministic Message-ID marks a duplicate if resending is chosen.
 */
export async function sendOnce(deps: NotifyDeps, event: EventEnvelope, mail: RenderedMail, ctx: HandlerContext): Promise<void> {
  const messageId = `<${event.id}.${mail.template}@${domainOf(deps.from)}>`
  const claim = await claimDelivery(
    deps.db,
    { eventId: event.id, eventType: event.type, template: mail.template, recipient: mail.to, subject: mail.subject, messageId },
    deps.resendUncertain,
  )
  if (claim.action === 'skip') {
    deps.metrics.emails.inc({ template: mail.template, result: claim.status === 'sent' ? 'already_sent' : 'uncertain' })
    if (claim.status === 'uncertain') ctx.log.error({ deliveryId: claim.deliveryId }, 'e-mail sending was interrupted earlier; not sent again (uncertain)')
    await ctx.commit()
    return
  }
  const stop = deps.metrics.sendSeconds.startTimer({ template: mail.template })
  let response: string
  try {
    ;({ response } = await deps.mailer.send({
      from: deps.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId,
      headers: { 'X-Emporium-Event-Id': event.id, 'X-Emporium-Template': mail.template, 'Auto-Submitted': 'auto-generated' },
    }))
  } catch (err) {
    const outcome = isPermanent(err) ? 'rejected' : 'failed'
    deps.metrics.emails.inc({ template: mail.template, result: outcome })
    await markFailed(deps.db, claim.deliveryId, claim.attempt, outcome, (err as Error).message)
    throw err
  } finally {
    stop()
  }
  deps.metrics.emails.inc({ template: mail.template, result: 'sent' })
  const first = await ctx.commit((tx) => markSent(tx, claim.deliveryId, claim.attempt, response))
  // Another delivery of the event committed first (a redelivery raced this one): the e-mail still went out.
  if (!first) await markSent(deps.db, claim.deliveryId, claim.attempt, response)
}

function domainOf(from: string): string {
  const m = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)
  return m?.[1] ?? 'emporium.localhost'
}

export interface NotificationMetrics {
  emails: Counter<'template' | 'result'>
  sendSeconds: Histogram<'template'>
}

const byRegistry = new WeakMap<Registry, NotificationMetrics>()

export function notificationMetrics(registry: Registry): NotificationMetrics {
  let m = byRegistry.get(registry)
  if (!m) {
    m = {
      emails: new Counter({
        name: 'notification_emails_total',
        help: 'E-mails by template and result (sent, failed, rejected, already_sent, uncertain).',
        labelNames: ['template', 'result'],
        registers: [registry],
      }),
      sendSeconds: new Histogram({
        name: 'notification_send_seconds',
        help: 'Time the mail server took to accept an e-mail.',
        labelNames: ['template'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
        registers: [registry],
      }),
    }
    byRegistry.set(registry, m)
  }
  return m
}
