import { Type } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'
import { parseTrustProxy } from '../../platform/config.js'
import type { App } from '../../platform/server.js'
import type { NotificationSettings } from './config.js'
import { devMailLocalOnly, mailNotFound } from './errors.js'
import type { Mailbox, StoredMail, StoredMailSummary } from './mailbox.js'
import { escapeHtml } from './templates.js'

const Params = Type.Object({ id: Type.String({ pattern: '^[0-9]{13}-[0-9a-f]{12}$' }) })

/**
 * Whether this process serves the mailbox: only the embedded shop without
 * SMTP_URL, and never behind a proxy (TRUST_PROXY set): there every request
 * arrives from the proxy's address, so "from this machine" would mean "from anyone".
 */
export function devMailboxEnabled(config: Pick<NotificationSettings, 'SMTP_URL' | 'TRUST_PROXY'>): boolean {
  return config.SMTP_URL === undefined && parseTrustProxy(config.TRUST_PROXY) === false
}

/** The TCP peer (never a forwarded header) is this machine. */
export function isLoopbackPeer(address: string | undefined): boolean {
  return address !== undefined && (address === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(address))
}

/**
 * GET /dev/mail: the embedded shop's mailbox, so a person can read what the
 * shop sent (HTML for a browser, JSON otherwise). The e-mails hold
 * password-reset and verification links, so it answers a loopback peer only.
 * The check is a hook of the mailbox's own routes (an encapsulated scope):
 * it runs for whatever URL the router matched to them (`/%64ev/mail`,
 * `/dev/mail/`, ...), instead of guessing from the raw URL which route will run.
 */
export async function registerDevMail(app: App, mailbox: Mailbox) {
  await app.register(async (scope: App) => {
    scope.addHook('onRequest', async (req) => {
      if (!isLoopbackPeer(req.raw.socket.remoteAddress)) throw devMailLocalOnly()
    })
    registerMailboxRoutes(scope, mailbox)
  })
}

function registerMailboxRoutes(app: App, mailbox: Mailbox) {
  app.get('/dev/mail', { schema: { hide: true } }, async (req, reply) => {
    const mails = await mailbox.list()
    if (!wantsHtml(req)) return { items: mails }
    return reply.type('text/html; charset=utf-8').send(page('Mailbox', listHtml(mails, mailbox.dir)))
  })

  app.get('/dev/mail/:id', { schema: { hide: true, params: Params } }, async (req, reply) => {
    const { id } = req.params as { id: string }
    const mail = await mailbox.find(id)
    if (!mail) throw mailNotFound(id)
    if (!wantsHtml(req)) return mail
    return reply.type('text/html; charset=utf-8').send(page(mail.subject, mailHtml(mail)))
  })

  app.get('/dev/mail/:id/html', { schema: { hide: true, params: Params } }, async (req, reply) => {
    const { id } = req.params as { id: string }
    const mail = await mailbox.find(id)
    if (!mail) throw mailNotFound(id)
    return reply.type('text/html; charset=utf-8').send(mail.html)
  })

  app.get('/dev/mail/:id/raw', { schema: { hide: true, params: Params } }, async (req, reply) => {
    const { id } = req.params as { id: string }
    const raw = await mailbox.findRaw(id)
    if (!raw) throw mailNotFound(id)
    return reply.type('text/plain; charset=utf-8').send(raw)
  })
}

function wantsHtml(req: FastifyRequest): boolean {
  return (req.headers.accept ?? '').includes('text/html')
}

function page(title: string, body: string): string {
  return (
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    `<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}td,th{padding:.3em .8em;text-align:left}pre{white-space:pre-wrap;background:#f6f6f6;padding:1em}</style>` +
    `</head><body>${body}</body></html>`
  )
}

function listHtml(mails: StoredMailSummary[], dir: string): string {
  const rows = mails
    .map((m) => `<tr><td>${escapeHtml(m.date.replace('T', ' ').slice(0, 19))}</td><td>${escapeHtml(m.to)}</td><td><a href="/dev/mail/${m.id}">${escapeHtml(m.subject)}</a></td></tr>`)
    .join('')
  return (
    `<h1>Mailbox</h1><p>What the shop sent (newest first), kept in <code>${escapeHtml(dir)}</code>.</p>` +
    (mails.length ? `<table><tr><th>Sent</th><th>To</th><th>Subject</th></tr>${rows}</table>` : '<p>No e-mail yet.</p>')
  )
}

function mailHtml(m: StoredMail): string {
  return (
    `<p><a href="/dev/mail">&larr; Mailbox</a></p><h1>${escapeHtml(m.subject)}</h1>` +
    `<table><tr><th>From</th><td>${escapeHtml(m.from)}</td></tr><tr><th>To</th><td>${escapeHtml(m.to)}</td></tr>` +
    `<tr><th>Date</th><td>${escapeHtml(m.date)}</td></tr><tr><th>Message-ID</th><td>${escapeHtml(m.messageId)}</td></tr></table>` +
    `<pre>${escapeHtml(m.text)}</pre>` +
    `<p><a href="/dev/mail/${m.id}/html">HTML version</a> · <a href="/dev/mail/${m.id}/raw">Raw message</a></p>`
  )
}
