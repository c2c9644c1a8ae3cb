import { Type } from '@sinclair/typebox'
import { imageViewSchema } from './images/image-view.js'

/** Request and response shapes of the catalog, for validation and the OpenAPI document. */

export const SLUG = '^[a-z0-9]+(-[a-z0-9]+)*$'

export const Money = Type.Object({ amount: Type.Integer(), currency: Type.String() })

export const ProductOption = Type.Object({ name: Type.String(), values: Type.Array(Type.String()) })
export const Variant = Type.Object({
  id: Type.Integer(),
  sku: Type.String(),
  options: Type.Record(Type.String(), Type.String(), { description: "One value of each of the product's options; {} for a product without options." }),
  price: Money,
  salePrice: Money,
  stock: Type.Integer(),
  inStock: Type.Boolean(),
  weightGrams: Type.Integer(),
})

export const Product = Type.Object({
  id: Type.Integer(),
  slug: Type.String(),
  name: Type.String(),
  description: Type.String(),
  price: Money,
  salePrice: Money,
  deal: Type.Union([
    Type.Object({ id: Type.Integer(), title: Type.String(), discountPercent: Type.Integer(), endsAt: Type.String({ format: 'date-time' }) }),
    Type.Null(),
  ]),
  category: Type.Union([Type.Object({ id: Type.Integer(), slug: Type.String(), name: Type.String() }), Type.Null()]),
  attributes: Type.Record(Type.String(), Type.Unknown()),
  options: Type.Array(ProductOption, { description: 'The options a variant is chosen by (Size, Colour), in order; [] for a product sold as one variant.' }),
  stock: Type.Integer({ description: "The sum of the live variants' stock." }),
  inStock: Type.Boolean(),
  variants: Type.Optional(Type.Array(Variant, { description: 'One product only (not in lists): the live variants by position; one with options {} for a product without options.' })),
  images: Type.Array(imageViewSchema, { description: 'The ready images by position; variants by format, ascending widths, for srcset.' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})

const CorrectedQuery = Type.Optional(
  Type.String({ description: 'Present when the query as typed found nothing: the corrected query (typos fixed) the items are for.' }),
)

export const ProductPage = Type.Object({ items: Type.Array(Product), nextCursor: Type.Union([Type.String(), Type.Null()]), correctedQuery: CorrectedQuery })

export const SuggestionsQuery = Type.Object(
  {
    q: Type.String({ minLength: 2, maxLength: 100, description: 'What the customer has typed so far; the last word matches as a prefix.' }),
    limit: Type.Integer({ minimum: 1, maximum: 20, default: 8 }),
  },
  { additionalProperties: false },
)
export const Suggestions = Type.Object({
  items: Type.Array(Type.Object({ name: Type.String(), slug: Type.String() })),
  correctedQuery: CorrectedQuery,
})

const Limit = Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Page size, at most 100.' })
const Cursor = Type.String({ minLength: 1, maxLength: 512, description: 'nextCursor of the previous page.' })
const Price = Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: 'Minor units (cents).' })

export const ListProductsQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Full-text search (web search syntax); the last word also matches as a prefix, and a query that finds nothing is retried with typos corrected.',
      }),
    ),
    category: Type.Optional(Type.String({ pattern: SLUG, maxLength: 80, description: 'Category slug; includes its subcategories.' })),
    minPrice: Type.Optional(Price),
    maxPrice: Type.Optional(Price),
    sort: Type.Optional(
      Type.Union([Type.Literal('relevance'), Type.Literal('newest'), Type.Literal('price_asc'), Type.Literal('price_desc')], {
        description: 'Default: relevance with q, newest without.',
      }),
    ),
    limit: Limit,
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
)

export const ProductParams = Type.Object(
  { idOrSlug: Type.String({ pattern: '^[a-z0-9-]{1,120}$', description: 'Numeric id or slug.' }) },
  { additionalProperties: false },
)

const CategoryNode = Type.Recursive((Self) =>
  Type.Object({
    id: Type.Integer(),
    slug: Type.String(),
    name: Type.String(),
    parentId: Type.Union([Type.Integer(), Type.Null()]),
    productCount: Type.Integer(),
    children: Type.Array(Self),
  }),
)
export const CategoryList = Type.Object({ items: Type.Array(CategoryNode) })

export const DealsQuery = Type.Object({ limit: Limit, cursor: Type.Optional(Cursor) }, { additionalProperties: false })
export const DealPage = Type.Object({
  items: Type.Array(Type.Composite([Product, Type.Object({ dealStartsAt: Type.String({ format: 'date-time' }) })])),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
})

export const RecommendationsQuery = Type.Object(
  {
    productId: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
    limit: Type.Integer({ minimum: 1, maximum: 50, default: 8 }),
  },
  { additionalProperties: false },
)
export const Recommendations = Type.Object({
  basedOn: Type.String(),
  productId: Type.Optional(Type.Integer()),
  items: Type.Array(Product),
})

export const ErrorResponse = Type.Object({ error: Type.Object({ code: Type.String(), message: Type.String() }) })
