import { Type } from '@sinclair/typebox'

/** Request and response shapes of the cart, for validation and the OpenAPI document. Bodies are strict: no price, no name. */

export const ProductId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })

export function quantity(max: number) {
  return Type.Integer({ minimum: 1, maximum: max, description: `Units, 1 to ${max}.` })
}

export const VariantId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })

export function AddItemBody(maxQuantity: number) {
  return Type.Object(
    {
      productId: ProductId,
      variantId: Type.Optional({ ...VariantId, description: 'Required when the product has several variants; otherwise its only variant.' }),
      quantity: quantity(maxQuantity),
    },
    { additionalProperties: false },
  )
}

export function SetQuantityBody(maxQuantity: number) {
  return Type.Object({ quantity: quantity(maxQuantity) }, { additionalProperties: false })
}

export const ItemParams = Type.Object({ productId: ProductId }, { additionalProperties: false })
export const ItemQuery = Type.Object(
  { variantId: Type.Optional({ ...VariantId, description: 'Which variant of the product; needed only when the cart holds several of it.' }) },
  { additionalProperties: false },
)

const Money = Type.Object({ amount: Type.Integer({ description: 'Minor units (cents).' }), currency: Type.String() })
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()])

export const CartItem = Type.Object({
  productId: Type.Integer(),
  variantId: Type.Union([Type.Integer(), Type.Null()], { description: 'null only for a line from before variants whose product now has several: remove it.' }),
  sku: Nullable(Type.String()),
  options: Type.Record(Type.String(), Type.String(), { description: "The variant's option values; {} for a product without options." }),
  slug: Nullable(Type.String()),
  name: Nullable(Type.String()),
  quantity: Type.Integer(),
  unitPrice: Type.Union([Money, Type.Null()], { description: 'Current sale price from the catalog; null when unavailable.' }),
  lineTotal: Type.Union([Money, Type.Null()]),
  image: Nullable(Type.String()),
  available: Type.Boolean({ description: 'false when the product was deleted: remove the line.' }),
  inStock: Type.Boolean(),
  stock: Type.Integer(),
  exceedsStock: Type.Boolean({ description: 'More units in the cart than in stock.' }),
  priceChanged: Type.Boolean({ description: 'The price differs from when the line was last added or changed.' }),
  previousUnitPrice: Type.Optional(Money),
  quantityAdjusted: Type.Optional(Type.Boolean({ description: 'This answer merged a guest cart and capped this line.' })),
})

export const Cart = Type.Object({
  token: Type.Optional(Type.String({ description: 'The guest cart token (also in X-Cart-Token); absent for a user cart.' })),
  items: Type.Array(CartItem),
  subtotal: Money,
  itemCount: Type.Integer(),
  warnings: Type.Array(Type.Object({ code: Type.String(), productId: Type.Integer(), variantId: Type.Optional(Type.Integer()), message: Type.String() })),
})

export const ErrorResponse = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) })

const CartToken = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$', description: 'Guest cart token from an earlier answer (43 characters, base64url).' })

export const CartTokenHeader = Type.Object({ 'x-cart-token': Type.Optional(CartToken) })
/** POST /merge: the guest cart to merge is the point of the request. */
export const RequiredCartTokenHeader = Type.Object({ 'x-cart-token': CartToken })

// --- internal (order service), see src/contracts/cart.ts ----------------------

export const UserParams = Type.Object({ userId: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' }) }, { additionalProperties: false })

const Line = Type.Object(
  { productId: ProductId, variantId: Type.Optional(VariantId), quantity: Type.Integer({ minimum: 1, maximum: 1000 }) },
  { additionalProperties: false },
)

export const UserCart = Type.Object({
  items: Type.Array(Type.Object({ productId: Type.Integer(), variantId: Type.Optional(Type.Integer()), quantity: Type.Integer() })),
})

export const OrderedBody = Type.Object(
  { orderId: Type.String({ format: 'uuid' }), lines: Type.Array(Line, { maxItems: 100 }) },
  { additionalProperties: false },
)

export const Ok = Type.Object({ ok: Type.Literal(true) })
