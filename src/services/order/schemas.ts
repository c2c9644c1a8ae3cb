import { Type } from '@sinclair/typebox'
import { OptionalBody } from '../../platform/validation.js'
import { KEY_PATTERN } from './idempotency.js'
import { ORDER_STATUSES, type OrderStatus } from './state-machine.js'

/** Request and response shapes of the order service. Strict: no client sets a price, a total or a status. */

const Text = (max: number, min = 1) => Type.String({ minLength: min, maxLength: max })
const Status = Type.Unsafe<OrderStatus>({ type: 'string', enum: [...ORDER_STATUSES] })
const PAYMENT_VIEW_STATUSES = ['unpaid', 'pending', 'declined', 'paid', 'refund_pending', 'refunded'] as const
const PaymentStatus = Type.Unsafe<(typeof PAYMENT_VIEW_STATUSES)[number]>({ type: 'string', enum: [...PAYMENT_VIEW_STATUSES] })

export const ShippingAddress = Type.Object(
  {
    name: Text(200),
    line1: Text(200),
    line2: Type.Optional(Text(200, 0)),
    city: Text(100),
    postalCode: Text(20),
    country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' }),
    region: Type.Optional(Type.String({ minLength: 1, maxLength: 50, description: "State or province: picks the region's own tax rate where the shop has one." })),
    phone: Type.Optional(Type.String({ pattern: '^[+0-9 ()-]{5,30}$' })),
  },
  { additionalProperties: false },
)

export const DiscountCodeText = Type.String({ pattern: '^[A-Za-z0-9_-]{3,40}$', description: 'A discount code (matched without regard to case).' })

export const Card = Type.Object(
  {
    number: Type.String({ pattern: '^[0-9 -]{12,23}$', description: 'Test cards: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined.' }),
    expMonth: Type.Integer({ minimum: 1, maximum: 12 }),
    expYear: Type.Integer({ minimum: 2000, maximum: 2100 }),
    cvc: Type.String({ pattern: '^[0-9]{3,4}$' }),
  },
  { additionalProperties: false },
)

export const CheckoutBody = Type.Object(
  {
    shippingAddress: Type.Optional(ShippingAddress),
    shippingAddressId: Type.Optional(Type.String({ format: 'uuid', description: 'An address of your address book (GET /api/orders/addresses), instead of shippingAddress: one of the two is required.' })),
    billingAddress: Type.Optional(ShippingAddress),
    billingAddressId: Type.Optional(Type.String({ format: 'uuid', description: 'An address of your address book to bill, instead of billingAddress; neither: the shipping address is billed.' })),
    discountCode: Type.Optional(DiscountCodeText),
    shippingOption: Type.Optional(Type.Integer({ minimum: 1, description: 'A shipping option id from GET /api/orders/quote; without it, the cheapest for the country.' })),
    payment: Type.Optional(Type.Object({ card: Card }, { additionalProperties: false })),
  },
  // One of shippingAddress and shippingAddressId is required (checked by the route: 400 SHIPPING_ADDRESS_CHOICE).
  { additionalProperties: false, minProperties: 1, description: 'Send shippingAddress or shippingAddressId (exactly one).' },
)

export const CancelBody = OptionalBody(Type.Object({ reason: Type.Optional(Text(200)) }, { additionalProperties: false }))
export const ShipBody = OptionalBody(Type.Object({ trackingNumber: Type.Optional(Text(100)) }, { additionalProperties: false }))

export const OrderParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false })

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.String({ pattern: KEY_PATTERN.source, description: 'A unique value per checkout (e.g. a UUID), 1-255 visible ASCII characters, kept 24 h.' }),
})

export const ListQuery = Type.Object(
  {
    status: Type.Optional(Status),
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Admins only.' })),
    customerEmail: Type.Optional(Type.String({ minLength: 3, maxLength: 254, description: 'Admins only: the orders of this e-mail address (any case).' })),
    number: Type.Optional(Type.String({ pattern: '^[0-9A-Fa-f]{8}$', description: 'The order number the pages and e-mails show: the first 8 hex digits of the id.' })),
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
)

export const Money = Type.Object({ amount: Type.Integer(), currency: Type.String() })
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()])

/** What an order or a quote costs beyond its lines. */
export const Charges = {
  promotion: Type.Union([Type.Object({ name: Type.String(), amount: Money }), Type.Null()], { description: 'The automatic promotion this order got (the best running one it qualified for).' }),
  discount: Type.Union([Type.Object({ code: Type.String(), amount: Money }), Type.Null()]),
  shipping: Type.Union([Type.Object({ optionId: Type.Integer(), name: Type.String(), price: Money }), Type.Null()]),
  taxLines: Type.Array(Type.Object({ name: Type.String(), country: Type.String(), region: Type.Union([Type.String(), Type.Null()]), rateBasisPoints: Type.Integer(), amount: Money })),
  tax: Money,
  pricesIncludeTax: Type.Boolean(),
}

export const Order = Type.Object({
  id: Type.String({ format: 'uuid' }),
  status: Status,
  customerEmail: Type.String(),
  lines: Type.Array(
    Type.Object({
      productId: Type.Integer(),
      variantId: Type.Union([Type.Integer(), Type.Null()], { description: 'The variant sold; null for lines of orders placed before variants.' }),
      sku: Nullable(Type.String()),
      options: Type.Record(Type.String(), Type.String(), { description: "The variant's option values as sold; {} for a product without options." }),
      weightGrams: Type.Integer(),
      name: Type.String(),
      quantity: Type.Integer(),
      unitPrice: Money,
      lineTotal: Money,
    }),
  ),
  subtotal: Money,
  ...Charges,
  total: Money,
  shippingAddress: Type.Record(Type.String(), Type.String()),
  billingAddress: Type.Record(Type.String(), Type.String()),
  payment: Type.Object({
    status: PaymentStatus,
    declineCode: Nullable(Type.String()),
    cardLast4: Nullable(Type.String()),
  }),
  trackingNumber: Nullable(Type.String()),
  cancelReason: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  paidAt: Nullable(Type.String({ format: 'date-time' })),
  shippedAt: Nullable(Type.String({ format: 'date-time' })),
  deliveredAt: Nullable(Type.String({ format: 'date-time' })),
  cancelledAt: Nullable(Type.String({ format: 'date-time' })),
})

export const OrderPage = Type.Object({ items: Type.Array(Order), nextCursor: Type.Union([Type.String(), Type.Null()]) })
export const StatsQuery = Type.Object({ days: Type.Integer({ minimum: 1, maximum: 90, default: 14, description: 'UTC days in the series, today included.' }) }, { additionalProperties: false })
const Count = Type.Integer({ minimum: 0 })
export const OrderStats = Type.Object({
  today: Type.Object({ orders: Count, revenue: Type.Array(Type.Object({ currency: Type.String(), amount: Type.Integer({ description: 'Minor units' }) })) }),
  byStatus: Type.Record(Type.String(), Count),
  daily: Type.Array(Type.Object({ date: Type.String(), orders: Count })),
})
export const ErrorResponse = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) })
