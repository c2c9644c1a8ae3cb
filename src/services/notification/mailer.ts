import path from 'node:path'
import nodemailer from 'nodemailer'
import type { AppError } from '../../platform/errors.js'
import type { NotificationSettings } from './config.js'
import { mailRejected, mailUnavailable } from './errors.js'
import { createMailbox, type Mailbox } from './mailbox.js'

/** The mailer port: SMTP in production, the on-disk mailbox in the embedded shop. */
export interface OutgoingMail {
  from: string
  to: string
  subject: string
  text: string
  html: string
  /** Deterministic per (event, template): a duplicate is recognisable downstream. */
  messageId: string
  headers: Record<string, string>
}

export interface Mailer {
  readonly kind: 'smtp' | 'mailbox'
  /**
   * Resolves once the server accepted the message. Throws PermanentEventError
   * (MAIL_REJECTED) when the server refused it for good (5xx), AppError
   * MAIL_UNAVAILABLE when it may work later (4xx, connection, timeout).
   */
  send(mail: OutgoingMail): Promise<{ response: string }>
  close(): Promise<void>
}

export function mailboxDir(config: Pick<NotificationSettings, 'DATA_DIR' | 'NOTIFICATION_MAILBOX_DIR'>): string {
  return path.resolve(config.NOTIFICATION_MAILBOX_DIR ?? path.join(config.DATA_DIR, 'mailbox'))
}

export function createMailer(config: NotificationSettings): Mailer {
  return config.SMTP_URL ? createSmtpMailer(config.SMTP_URL, config) : createMailboxMailer(createMailbox(mailboxDir(config)))
}

export function createSmtpMailer(
  url: string,
  config: Pick<NotificationSettings, 'NOTIFICATION_SMTP_MAX_CONNECTIONS' | 'NOTIFICATION_SMTP_TIMEOUT_MS'>,
): Mailer {
  const transport = nodemailer.createTransport({
    url,
    pool: true,
    maxConnections: config.NOTIFICATION_SMTP_MAX_CONNECTIONS,
    // The pool would resend a message whose connection dropped mid-send on its own, unrecorded:
    // retries are ours (recorded, with back-off), so never.
    maxRequeues: 0,
    connectionTimeout: config.NOTIFICATION_SMTP_TIMEOUT_MS,
    greetingTimeout: config.NOTIFICATION_SMTP_TIMEOUT_MS,
    socketTimeout: config.NOTIFICATION_SMTP_TIMEOUT_MS,
  })
  return {
    kind: 'smtp',
    async send(mail) {
      try {
        const info = await transport.sendMail({ ...mail })
        return { response: String(info.response ?? '') }
      } catch (err) {
        throw classifySmtpError(err)
      }
    },
    async close() {
      transport.close()
    },
  }
}

/** nodemailer marks SMTP replies permanent (5xx but 503) or not; anything without a reply may work later. */
export function classifySmtpError(err: unknown): AppError {
  const e = err as { permanent?: boolean; responseCode?: number; code?: string; message?: string }
  const detail = `${e.responseCode ?? e.code ?? 'error'}: ${e.message ?? String(err)}`.slice(0, 500)
  if (e.permanent === true) return mailRejected(detail)
  return mailUnavailable(`mail server unavailable (${detail})`)
}

export function createMailboxMailer(mailbox: Mailbox): Mailer {
  return {
    kind: 'mailbox',
    async send(mail) {
      try {
        const id = await mailbox.store(mail)
        return { response: `stored ${id}` }
      } catch (err) {
        throw mailUnavailable(`mailbox not writable: ${(err as Error).message}`)
      }
    },
    async close() {},
  }
}
