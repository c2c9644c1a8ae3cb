import { invalidCard } from './errors.js'

/**
 * The payment provider port. A real provider (Stripe, Adyen, ...) is an adapter
 * of it; the built-in test provider (test-provider.ts) behaves like a provider's
 * test mode. Every call carries an idempotency key: the provider answers a
 * repeated key with the first answer, so a retried charge is never a second charge.
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

/** The last four digits, the only part of a card number we keep. */
export function cardLast4(card: CardInput): string {
  return card.number.replace(/\D/g, '').slice(-4)
}

/** Card numbers as clients type them: spaces and dashes allowed. */
export function normalizeCardNumber(raw: string): string {
  return raw.replace(/[\s-]/g, '')
}

export function checkCard(card: CardInput): void {
  if (!luhnValid(normalizeCardNumber(card.number))) throw invalidCard()
}

/** The idempotency key of a charge attempt: a retried call is the same charge. */
export function chargeKey(orderId: string, attempt: number): string {
  return `charge:${orderId}:${attempt}`
}

export function refundKey(orderId: string): string {
  return `refund:${orderId}`
}
