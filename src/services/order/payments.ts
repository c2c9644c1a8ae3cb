import { randomUUID } from 'node:crypto'
import type { Db } from '../../platform/db/db.js'
import { invalidCard } from './errors.js'
import * as store from './test-provider-store.js'

/**
 * The payment provider port. A real provider (Stripe, Adyen, ...) is an adapter
 * of it; the built-in test provider behaves like a provider's test mode. Every
 * call carries an idempotency key: the provider answers a repeated key with the
 * first answer, so a retried charge is never a second charge.
 */
export interface CardInput {
  number: string
  expMonth: number
  expYear: number
  cvc: string
}

export type ProviderResult = { status: 'succeeded'; reference: string } | { status: 'declined'; declineCode: string; reference: string }

export interface PaymentProvider {
  readonly name: string
  charge(req: { idempotencyKey: string; amount: number; currency: string; card: CardInput }): Promise<ProviderResult>
  refund(req: { idempotencyKey: string; chargeReference: string; amount: number; currency: string }): Promise<ProviderResult>
  /** The answer given to an idempotency key, if the provider has seen it (settling attempts a crash left pending). */
  lookup(idempotencyKey: string): Promise<ProviderResult | undefined>
}

export function luhnValid(number: string): boolean {
  if (!/^\d{12,19}$/.test(number)) return false
  let sum = 0
  for (let i = 0; i < number.length; i++) {
    let d = Number(number[number.length - 1 - i])
    if (i % 2 === 1) {
      d *= 2
      if (d > 9) d -= 9
    }
    sum += d
  }
  return sum % 10 === 0
}

/** Card numbers as clients type them: spaces and dashes allowed. */
export function normalizeCardNumber(raw: string): string {
  return raw.replace(/[\s-]/g, '')
}

export function checkCard(card: CardInput): void {
  if (!luhnValid(normalizeCardNumber(card.number))) throw invalidCard()
}

/** Test cards, as in the providers' test modes. Any other valid number succeeds. */
export const TEST_CARDS: Record<string, string | undefined> = {
  '4242424242424242': undefined,
  '4000000000000002': 'card_declined',
  '4000000000009995': 'insufficient_funds',
  '4000000000000069': 'expired_card',
}

/**
 * The built-in provider: decides from the card number alone and keeps its own
 * ledger of idempotency keys (a table standing in for the provider's side).
 */
export function createTestProvider(db: Db): PaymentProvider {
  const toResult = (r: store.ProviderOperationRow): ProviderResult =>
    r.status === 'succeeded' ? { status: 'succeeded', reference: r.reference } : { status: 'declined', declineCode: r.decline_code ?? 'declined', reference: r.reference }
  return {
    name: 'test',
    async charge({ idempotencyKey, amount, currency, card }) {
      const number = normalizeCardNumber(card.number)
      const now = new Date()
      const expired = card.expYear < now.getUTCFullYear() || (card.expYear === now.getUTCFullYear() && card.expMonth < now.getUTCMonth() + 1)
      const declineCode = expired ? 'expired_card' : TEST_CARDS[number]
      const row = await store.recordProviderOperation(db, {
        idempotency_key: idempotencyKey,
        kind: 'charge',
        amount,
        currency,
        status: declineCode ? 'declined' : 'succeeded',
        decline_code: declineCode ?? null,
        reference: `ch_test_${randomUUID().replaceAll('-', '')}`,
      })
      return toResult(row)
    },
    async refund({ idempotencyKey, amount, currency }) {
      const row = await store.recordProviderOperation(db, {
        idempotency_key: idempotencyKey,
        kind: 'refund',
        amount,
        currency,
        status: 'succeeded',
        decline_code: null,
        reference: `re_test_${randomUUID().replaceAll('-', '')}`,
      })
      return toResult(row)
    },
    async lookup(idempotencyKey) {
      const row = await store.findProviderOperation(db, idempotencyKey)
      return row ? toResult(row) : undefined
    },
  }
}

export function chargeKey(orderId: string, attempt: number): string {
  return `charge:${orderId}:${attempt}`
}

export function refundKey(orderId: string): string {
  return `refund:${orderId}`
}
