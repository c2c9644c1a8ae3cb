import { Type, type TSchema } from '@sinclair/typebox'
import type { EventPayloads, EventType } from '../../contracts/events.js'

/**
 * The payloads this service reads, checked on arrival: a payload that does not
 * match is malformed (retried, then dead-lettered), never half-rendered.
 * Extra fields are allowed, so producers can add fields without breaking us.
 */
const Email = Type.String({ pattern: '^[^\\s@]+@[^\\s@]+$', maxLength: 254 })
const Id = Type.String({ minLength: 1, maxLength: 200 })
const Money = Type.Object({ amount: Type.Integer(), currency: Type.String({ pattern: '^[A-Z]{3}$' }) })
const Line = Type.Object({
  productId: Type.Integer(),
  name: Type.String({ maxLength: 500 }),
  quantity: Type.Integer({ minimum: 1 }),
  unitPrice: Money,
})
const Order = { orderId: Id, userId: Id, customerEmail: Email }

export const payloadSchemas = {
  'order.placed': Type.Object({ ...Order, lines: Type.Array(Line, { maxItems: 1000 }), total: Money }),
  'order.paid': Type.Object({ ...Order, paymentId: Id, total: Money }),
  'order.shipped': Type.Object({ ...Order, trackingNumber: Type.Optional(Type.String({ maxLength: 200 })) }),
  'order.cancelled': Type.Object({ ...Order, reason: Type.String({ maxLength: 1000 }), lines: Type.Array(Line, { maxItems: 1000 }) }),
  'user.registered': Type.Object({ userId: Id, email: Email, verificationToken: Id, verificationExpiresAt: Type.String() }),
  'user.verification_requested': Type.Object({ userId: Id, email: Email, verificationToken: Id, verificationExpiresAt: Type.String() }),
  'user.password_reset_requested': Type.Object({ userId: Id, email: Email, resetToken: Id, expiresAt: Type.String() }),
} satisfies { [T in EventType]?: TSchema }

export type MailedEvent = keyof typeof payloadSchemas
export type Payload<T extends MailedEvent> = EventPayloads[T]
