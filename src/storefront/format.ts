import type { Money } from './api-types.js'

/** Display helpers: money from integer minor units, dates, prices typed by a person. */

const formats = new Map<string, Intl.NumberFormat>()

function currencyFormat(currency: string): Intl.NumberFormat {
  let format = formats.get(currency)
  if (!format) {
    format = new Intl.NumberFormat('en-US', { style: 'currency', currency })
    formats.set(currency, format)
  }
  return format
}

/** 12345 USD -> "$123.45"; 500 JPY -> "¥500" (the currency's own number of decimals). */
export function money(m: Money): string {
  const format = currencyFormat(m.currency)
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2
  return format.format(m.amount / 10 ** digits)
}

/** "25" or "25.5" (major units, as typed in a price filter) -> 2550 minor units; undefined when blank or not a price. */
export function parsePrice(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === '') return undefined
  if (!/^\d{1,8}(\.\d{1,2})?$/.test(text.trim())) return undefined
  return Math.round(Number(text.trim()) * 100)
}

/** Minor units back to what the filter field shows. */
export function priceInput(minor: number | undefined): string {
  if (minor === undefined) return ''
  return minor % 100 === 0 ? String(minor / 100) : (minor / 100).toFixed(2)
}

const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })

export function dateTime(iso: string): string {
  return `${dateFormat.format(new Date(iso))} UTC`
}

export const ORDER_STATUS_LABELS: Record<string, string> = {
  pending_payment: 'Awaiting payment',
  paid: 'Paid',
  shipped: 'Shipped',
  delivered: 'Delivered',
  cancelled: 'Cancelled',
  // Admins only: a declined checkout is never the customer's order.
  payment_failed: 'Payment declined',
}

export function shortId(id: string): string {
  return id.slice(0, 8).toUpperCase()
}
