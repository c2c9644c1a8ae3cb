import { randomUUID } from 'node:crypto'
import type { Db } from '../../platform/db/db.js'
import { normalizeCardNumber, type PaymentProvider, type ProviderResult } from './payment-provider.js'
import * as store from './test-provider-store.js'

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
