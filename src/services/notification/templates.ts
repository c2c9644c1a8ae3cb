import type { MoneyPayload, OrderLinePayload } from '../../contracts/events.js'
import type { MailedEvent, Payload } from './payloads.js'

/** The e-mails the shop sends: one template per event that mails someone. Pure functions. */
export type TemplateName = 'order-confirmation' | 'payment-received' | 'order-shipped' | 'order-cancelled' | 'welcome-verify' | 'verify-email' | 'password-reset'

export interface RenderedMail {
  template: TemplateName
  to: string
  subject: string
  text: string
  html: string
}

export interface TemplateSettings {
  shopName: string
  /** URL templates with {token} / {orderId}. */
  verifyUrl: string
  resetUrl: string
  orderUrl: string
}

type Renderers = { [T in MailedEvent]: (p: Payload<T>, s: TemplateSettings) => RenderedMail }

export const templates: Renderers = {
  'order.placed': (p, s) =>
    mail('order-confirmation', p.customerEmail, `Your ${s.shopName} order ${shortId(p.orderId)}`, s, [
      para(`Thank you for your order. We have received it and will let you know when it ships.`),
      lines(p.lines),
      para(`Total: ${formatMoney(p.total)}`, true),
      link('View your order', fill(s.orderUrl, { orderId: p.orderId })),
    ]),
  'order.paid': (p, s) =>
    mail('payment-received', p.customerEmail, `Payment received for order ${shortId(p.orderId)}`, s, [
      para(`We have received your payment of ${formatMoney(p.total)} (payment ${p.paymentId}).`),
      link('View your order', fill(s.orderUrl, { orderId: p.orderId })),
    ]),
  'order.shipped': (p, s) =>
    mail('order-shipped', p.customerEmail, `Your order ${shortId(p.orderId)} has shipped`, s, [
      para('Good news: your order is on its way.'),
      ...(p.trackingNumber ? [para(`Tracking number: ${p.trackingNumber}`, true)] : []),
      link('View your order', fill(s.orderUrl, { orderId: p.orderId })),
    ]),
  'order.cancelled': (p, s) =>
    mail('order-cancelled', p.customerEmail, `Your order ${shortId(p.orderId)} was cancelled`, s, [
      para(`Your order was cancelled: ${p.reason}.`),
      lines(p.lines),
      para('If you paid for it, the payment will be refunded.'),
    ]),
  'user.registered': (p, s) =>
    mail('welcome-verify', p.email, `Welcome to ${s.shopName}: please confirm your e-mail address`, s, [
      para(`Welcome to ${s.shopName}! Please confirm that this address is yours.`),
      link('Confirm my e-mail address', fill(s.verifyUrl, { token: p.verificationToken })),
      para(`The link works until ${formatDate(p.verificationExpiresAt)}. If you did not sign up, ignore this e-mail.`),
    ]),
  'user.verification_requested': (p, s) =>
    mail('verify-email', p.email, `Confirm your e-mail address for ${s.shopName}`, s, [
      para('You asked for a new link to confirm that this address is yours.'),
      link('Confirm my e-mail address', fill(s.verifyUrl, { token: p.verificationToken })),
      para(`The link works until ${formatDate(p.verificationExpiresAt)}. If you did not ask for it, ignore this e-mail.`),
    ]),
  'user.password_reset_requested': (p, s) =>
    mail('password-reset', p.email, `Reset your ${s.shopName} password`, s, [
      para('Someone (hopefully you) asked to reset the password of your account.'),
      link('Choose a new password', fill(s.resetUrl, { token: p.resetToken })),
      para(`The link works once, until ${formatDate(p.expiresAt)}. If you did not ask for it, ignore this e-mail: your password stays as it is.`),
    ]),
}

export function render<T extends MailedEvent>(type: T, payload: Payload<T>, settings: TemplateSettings): RenderedMail {
  return (templates[type] as (p: Payload<T>, s: TemplateSettings) => RenderedMail)(payload, settings)
}

/** Integer minor units to a display amount: 12345 EUR -> "€123.45", 500 JPY -> "¥500". */
export function formatMoney(m: MoneyPayload): string {
  const format = new Intl.NumberFormat('en', { style: 'currency', currency: m.currency })
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2
  return format.format(m.amount / 10 ** digits)
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

interface Block {
  text: string
  html: string
}

function para(text: string, strong = false): Block {
  const h = escapeHtml(text)
  return { text, html: `<p>${strong ? `<strong>${h}</strong>` : h}</p>` }
}

function link(label: string, url: string): Block {
  return { text: `${label}: ${url}`, html: `<p><a href="${escapeHtml(url)}">${escapeHtml(label)}</a></p>` }
}

function lines(items: OrderLinePayload[]): Block {
  // A variant shows its option values: "T-shirt (M, Blue)".
  const title = (l: OrderLinePayload) => (l.options && Object.keys(l.options).length ? `${l.name} (${Object.values(l.options).join(', ')})` : l.name)
  const row = (l: OrderLinePayload) => `${l.quantity} × ${title(l)} — ${formatMoney({ amount: l.unitPrice.amount * l.quantity, currency: l.unitPrice.currency })}`
  return {
    text: items.map((l) => `  ${row(l)}`).join('\n'),
    html: `<ul>${items.map((l) => `<li>${escapeHtml(row(l))}</li>`).join('')}</ul>`,
  }
}

function mail(template: TemplateName, to: string, subject: string, s: TemplateSettings, blocks: Block[]): RenderedMail {
  const text = [...blocks.map((b) => b.text), '', `— ${s.shopName}`].join('\n\n')
  const html =
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>` +
    `<body style="font-family:sans-serif;max-width:36em;margin:auto">${blocks.map((b) => b.html).join('')}` +
    `<p style="color:#666">— ${escapeHtml(s.shopName)}</p></body></html>`
  return { template, to, subject, text, html }
}

function fill(urlTemplate: string, values: Record<string, string>): string {
  return urlTemplate.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? encodeURIComponent(values[key]!) : whole))
}

function shortId(id: string): string {
  return id.length > 12 ? id.slice(0, 8).toUpperCase() : id
}

function formatDate(iso: string): string {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`
}
