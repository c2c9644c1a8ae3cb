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

/** What a discount code and a promotion take off, and when: the fields they share. */
const OffFields = {
  percentOff: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'A percentage: this much off (rounded half up).' })),
  amountOff: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_000_000_000, description: 'A fixed amount: this much off (minor units of currency), at most what it applies to.' })),
  currency: Type.Optional(Currency),
  minSubtotal: Type.Optional(Amount('The cart must cost at least this much before any discount')),
  startsAt: Type.Optional(Type.String({ format: 'date-time' })),
  endsAt: Type.Optional(Type.String({ format: 'date-time' })),
}

/** The same, as the admin routes answer them. */
const OffView = {
  kind: Type.Union([Type.Literal('percentage'), Type.Literal('fixed')]),
  percentOff: Type.Union([Type.Integer(), Type.Null()]),
  amountOff: NullableMoney,
  minSubtotal: NullableMoney,
  startsAt: Stamp,
  endsAt: Stamp,
  active: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
}

export const NewDiscountCode = Type.Object(
  {
    code: DiscountCodeText,
    ...OffFields,
    maxUses: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_000_000_000, description: 'Orders that may carry it, all customers together.' })),
    maxUsesPerCustomer: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_000_000_000 })),
  },
  { additionalProperties: false },
)

export const DiscountCode = Type.Object({
  code: Type.String(),
  ...OffView,
  maxUses: Type.Union([Type.Integer(), Type.Null()]),
  maxUsesPerCustomer: Type.Union([Type.Integer(), Type.Null()]),
  uses: Type.Integer({ description: 'Orders that carry it and stand (a failed or cancelled order gives its use back).' }),
})

export const CodeParams = Type.Object({ code: DiscountCodeText }, { additionalProperties: false })

export const NewShippingOption = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    countries: Type.Array(Country, { minItems: 1, maxItems: 250, uniqueItems: true, description: 'The region it ships to.' }),
    currency: Currency,
    price: Type.Optional(Amount('Its flat price (or weightRates instead)')),
    weightRates: Type.Optional(
      Type.Array(Type.Object({ upToGrams: Type.Integer({ minimum: 1, maximum: 1_000_000 }), price: Amount('Price of a parcel up to this weight') }, { additionalProperties: false }), {
        minItems: 1,
        maxItems: 20,
        description: 'Priced by weight instead of price: the first bracket (lightest first) the parcel fits; a heavier parcel cannot take this option.',
      }),
    ),
    freeAbove: Type.Optional(Amount('Free when the goods after the discounts cost at least this much')),
  },
  { additionalProperties: false },
)

export const ShippingOption = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  countries: Type.Array(Type.String()),
  price: Money,
  weightRates: Type.Union([Type.Array(Type.Object({ upToGrams: Type.Integer(), price: Money })), Type.Null()]),
  freeAbove: NullableMoney,
  active: Type.Boolean(),
})

export const NewPromotion = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 120, description: 'Shown to the customer, e.g. "Winter sale: 10 % off".' }), ...OffFields },
  { additionalProperties: false },
)

export const Promotion = Type.Object({ id: Type.Integer(), name: Type.String(), ...OffView })

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
