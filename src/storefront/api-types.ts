/** The shapes of the public API's answers that the storefront reads (see docs/*.md and /docs). */

export interface Money {
  amount: number
  currency: string
}

export interface Product {
  id: number
  slug: string
  name: string
  description: string
  price: Money
  salePrice: Money
  deal: { id: number; title: string; discountPercent: number; endsAt: string } | null
  category: { id: number; slug: string; name: string } | null
  attributes: Record<string, unknown>
  /** The options a variant is chosen by, in order; [] for a product sold as one variant. */
  options?: { name: string; values: string[] }[]
  stock: number
  inStock: boolean
  /** One product's answer only (not lists). */
  variants?: Variant[]
  images: ProductImage[]
  createdAt: string
  updatedAt: string
}

export interface Variant {
  id: number
  sku: string
  options: Record<string, string>
  price: Money
  salePrice: Money
  stock: number
  inStock: boolean
  weightGrams: number
}

export interface ImageVariant {
  url: string
  width: number
  height: number
}

/** A ready picture, one list per format, ascending by width (docs/images.md). */
export interface ProductImage {
  id: string
  alt: string
  position: number
  variants: { avif: ImageVariant[]; webp: ImageVariant[]; jpeg: ImageVariant[] }
}

/** An image as the admin API shows it: with its status while its variants are made. */
export interface AdminImage {
  id: string
  alt: string
  position: number
  status: 'processing' | 'ready' | 'failed'
  errorCode: string | null
  width: number | null
  height: number | null
  variants: ProductImage['variants'] | null
}

export interface Suggestions {
  items: { name: string; slug: string }[]
  /** The query the items are for, when what was typed found nothing and a typo was corrected. */
  correctedQuery?: string
}

export interface OrderStats {
  today: { orders: number; revenue: Money[] }
  byStatus: Record<string, number>
  daily: { date: string; orders: number }[]
}

export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

export interface Category {
  id: number
  slug: string
  name: string
  parentId: number | null
  productCount: number
  children: Category[]
}

export interface Recommendations {
  basedOn: string
  items: Product[]
}

export interface CartLine {
  productId: number
  variantId: number | null
  sku: string | null
  /** The variant's option values ({} for a product without options). */
  options: Record<string, string>
  slug: string | null
  name: string | null
  /** The first picture's smallest JPEG, or null. */
  image: string | null
  quantity: number
  unitPrice: Money | null
  lineTotal: Money | null
  available: boolean
  inStock: boolean
  stock: number
  exceedsStock: boolean
  priceChanged: boolean
  previousUnitPrice: Money | null
}

export interface Cart {
  token?: string
  items: CartLine[]
  subtotal: Money
  itemCount: number
  warnings: { code: string; productId?: number; message: string }[]
}

export type OrderStatus = 'pending_payment' | 'paid' | 'shipped' | 'delivered' | 'cancelled' | 'payment_failed'

/** What an order (or a quote) costs beyond its lines. */
export interface Charges {
  promotion: { name: string; amount: Money } | null
  discount: { code: string; amount: Money } | null
  shipping: { optionId: number; name: string; price: Money } | null
  taxLines: { name: string; amount: Money }[]
  tax: Money
  pricesIncludeTax: boolean
}

/** GET /api/orders/quote: the cart priced for a country as checkout would price it. */
export interface Quote extends Charges {
  subtotal: Money
  shippingOptions: { id: number; name: string; price: Money }[]
  total: Money
}

export interface Order extends Charges {
  id: string
  status: OrderStatus
  customerEmail: string
  lines: { productId: number; variantId?: number | null; sku?: string | null; options?: Record<string, string>; name: string; quantity: number; unitPrice: Money; lineTotal: Money }[]
  subtotal: Money
  total: Money
  shippingAddress: Record<string, string>
  billingAddress: Record<string, string>
  payment: { status: 'unpaid' | 'pending' | 'declined' | 'paid' | 'refund_pending' | 'refunded'; declineCode: string | null; cardLast4: string | null }
  trackingNumber: string | null
  cancelReason: string | null
  createdAt: string
  paidAt: string | null
  shippedAt: string | null
  deliveredAt: string | null
  cancelledAt: string | null
}

export interface User {
  id: string
  email: string
  emailVerified: boolean
  roles: string[]
}

export interface AuthSession {
  user: User
  accessToken: string
  expiresIn: number
  refreshToken: string
  refreshTokenExpiresAt: string
}

/** GET /api/products/stats/low-stock (admin). */
export interface LowStock {
  threshold: number
  items: { id: number; slug: string; name: string; stock: number }[]
}

/** GET /api/products/stats/cache (admin): the answering product instance's figures since it started. */
export interface CacheStats {
  scope: 'shop' | 'instance'
  instance: string
  since: string
  hitRate: number | null
  caches: { cache: string; hits: number; misses: number; bypassed: number; errors: number }[]
}

/** GET /api/orders/events/backlog (admin). */
export interface EventBacklog {
  bus: 'rabbitmq' | 'embedded'
  outbox: { unpublished: number; failing: number; oldestAgeSeconds: number | null }
  queues: { queue: string; ready: number; consumers: number; deadLetters: number }[] | null
}
