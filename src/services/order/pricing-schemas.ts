import { Type, type TSchema } from '@sinclair/typebox'
import { Charges, DiscountCodeText, Money } from './schemas.js'

/** Shapes of the quote and of the admin routes for discount codes, shipping options and tax rates. */

const Country = Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' })
const Currency = Type.String({ pattern: '^[A-Z]{3}$' })
const Amount = (description: string) => Type.Integer({ minimum: 0, maximum: 2_000_000_000, description: `${description} (minor units)` })
const Region = Type.String({ minLength: 1, maxLength: 50 })
const NullableMoney = Type.Union([Money, Type.Null()])
const Stamp = Type.Union([Type.String({ format: 'date-time' }), Type.Null()])

/** A list answer: { items }. */
export const ItemsOf = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item) })

export const QuoteQuery = Type.Object(
  {
    country: Country,
    region: Type.Optional(Region),
    discountCode: Type.Optional(DiscountCodeText),
    shippingOption: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
)

export const Quote = Type.Object({
  lines: Type.Array(
    Type.Object({
      productId: Type.Integer(),
      variantId: Type.Integer(),
      options: Type.Record(Type.String(), Type.String()),
      name: Type.String(),
      quantity: Type.Integer(),
      unitPrice: Money,
      lineTotal: Money,
    }),
  ),
  subtotal: Money,
  ...Charges,
  shippingOptions: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String(), price: Money })),
  total: Money,
})

export const NewDiscountCode = Type.Object(
  {
    code: DiscountCodeText,
    percentOff: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'A percentage code: this much off the subtotal (rounded half up).' })),
    amountOff: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_000_000_000, description: 'A fixed code: this much off (minor units of currency), at most the subtotal.' })),
    currency: Type.Optional(Currency),
    minSubtotal: Type.Optional(Amount('The cart must cost at least this much before the discount')),
    startsAt: Type.Optional(Type.String({ format: 'date-time' })),
    endsAt: Type.Optional(Type.String({ format: 'date-time' })),
    maxUses: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_000_000_000, description: 'Orders that may carry it, all customers together.' })),
    maxUsesPerCustomer: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_000_000_000 })),
  },
  { additionalProperties: false },
)

export const DiscountCode = Type.Object({
  code: Type.String(),
  kind: Type.Union([Type.Literal('percentage'), Type.Literal('fixed')]),
  percentOff: Type.Union([Type.Integer(), Type.Null()]),
  amountOff: NullableMoney,
  minSubtotal: NullableMoney,
  startsAt: Stamp,
  endsAt: Stamp,
  maxUses: Type.Union([Type.Integer(), Type.Null()]),
  maxUsesPerCustomer: Type.Union([Type.Integer(), Type.Null()]),
  active: Type.Boolean(),
  uses: Type.Integer({ description: 'Orders that carry it and stand (a failed or cancelled order gives its use back).' }),
  createdAt: Type.String({ format: 'date-time' }),
})

export const CodeParams = Type.Object({ code: DiscountCodeText }, { additionalProperties: false })

export const NewShippingOption = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    countries: Type.Array(Country, { minItems: 1, maxItems: 250, uniqueItems: true, description: 'The region it ships to.' }),
    currency: Currency,
    price: Amount('Its price'),
    freeAbove: Type.Optional(Amount('Free when the goods after the discount cost at least this much')),
  },
  { additionalProperties: false },
)

export const ShippingOption = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  countries: Type.Array(Type.String()),
  price: Money,
  freeAbove: NullableMoney,
  active: Type.Boolean(),
})

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) }, { additionalProperties: false })

export const TaxRateBody = Type.Object(
  {
    country: Country,
    region: Type.Optional(Region),
    name: Type.String({ minLength: 1, maxLength: 100, description: 'Shown on the tax line, e.g. "VAT".' }),
    rateBasisPoints: Type.Integer({ minimum: 0, maximum: 10_000, description: '1 % = 100, so 20 % VAT is 2000.' }),
  },
  { additionalProperties: false },
)

export const TaxRate = Type.Object({ country: Type.String(), region: Type.Union([Type.String(), Type.Null()]), name: Type.String(), rateBasisPoints: Type.Integer() })

export const TaxRateParams = Type.Object({ country: Country }, { additionalProperties: false })
export const TaxRateQuery = Type.Object({ region: Type.Optional(Region) }, { additionalProperties: false })
