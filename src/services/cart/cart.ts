import type { CartLine } from '../../contracts/cart.js'
import type { ProductClient, ProductSummary, Money } from '../../contracts/product.js'
import type { AppError } from '../../platform/errors.js'
import type { AddResult, CartLimits, CartStore, MergeCap, MergeOutcome, StoredCart } from './cart-store.js'
import { userCartId } from './cart-tokens.js'
import { cartFull, cartItemNotFound, currencyMismatch, outOfStock, productNotFound, quantityLimit, WARNING } from './errors.js'

/**
 * The cart's rules: what a cart shows (names, prices and stock always from the
 * catalog, never from the client) and one function per flow. Carts are named
 * by id (cart-tokens.ts); who may use which cart is decided by the routes.
 */

export interface CartDeps {
  store: CartStore
  products: ProductClient
  limits: CartLimits
  /** Currency of the subtotal of a cart without lines. */
  defaultCurrency: string
}

export interface CartItemView {
  productId: number
  slug: string | null
  name: string | null
  quantity: number
  unitPrice: Money | null
  lineTotal: Money | null
  image: string | null
  /** false: the product was deleted (or is sold in another currency now); the client may remove the line. */
  available: boolean
  inStock: boolean
  stock: number
  /** More units in the cart than in stock: checkout would refuse. */
  exceedsStock: boolean
  /** The price differs from the one when the line was last added or changed. */
  priceChanged: boolean
  previousUnitPrice?: Money
  /** This answer's merge put fewer units in than the two carts held together. */
  quantityAdjusted?: true
}

export interface CartWarning {
  code: string
  productId: number
  message: string
}

export interface CartView {
  items: CartItemView[]
  subtotal: Money
  /** Units of every line together. */
  itemCount: number
  warnings: CartWarning[]
}

export interface MergeReport {
  warnings: CartWarning[]
  adjusted: Set<number>
}

/** The cart as the customer sees it, priced from the catalog's current data. */
export function priceCart(cart: StoredCart | undefined, products: ReadonlyMap<number, ProductSummary>, defaultCurrency: string, merge?: MergeReport): CartView {
  const currency = cart?.currency ?? defaultCurrency
  const items: CartItemView[] = []
  const warnings: CartWarning[] = [...(merge?.warnings ?? [])]
  let subtotal = 0
  let itemCount = 0
  for (const line of cart?.lines ?? []) {
    const p = products.get(line.productId)
    itemCount += line.quantity
    const adjusted = merge?.adjusted.has(line.productId) ? { quantityAdjusted: true as const } : {}
    if (!p || p.salePrice.currency !== currency) {
      items.push({
        productId: line.productId,
        slug: p?.slug ?? null,
        name: p?.name ?? null,
        quantity: line.quantity,
        unitPrice: null,
        lineTotal: null,
        image: p?.image ?? null,
        available: false,
        inStock: false,
        stock: 0,
        exceedsStock: false,
        priceChanged: false,
        ...adjusted,
      })
      warnings.push({ code: WARNING.productUnavailable, productId: line.productId, message: `${p?.name ?? 'This product'} is no longer available; remove it from the cart` })
      continue
    }
    const unit = p.salePrice
    const priceChanged = unit.amount !== line.seenPrice
    const exceedsStock = line.quantity > p.stock
    items.push({
      productId: p.id,
      slug: p.slug,
      name: p.name,
      quantity: line.quantity,
      unitPrice: unit,
      lineTotal: { amount: unit.amount * line.quantity, currency },
      image: p.image,
      available: true,
      inStock: p.inStock,
      stock: p.stock,
      exceedsStock,
      priceChanged,
      ...(priceChanged ? { previousUnitPrice: { amount: line.seenPrice, currency } } : {}),
      ...adjusted,
    })
    subtotal += unit.amount * line.quantity
    if (priceChanged) warnings.push({ code: WARNING.priceChanged, productId: p.id, message: `The price of ${p.name} changed from ${line.seenPrice} to ${unit.amount}` })
    if (p.stock === 0) warnings.push({ code: WARNING.outOfStock, productId: p.id, message: `${p.name} is out of stock` })
    else if (exceedsStock) warnings.push({ code: WARNING.quantityExceedsStock, productId: p.id, message: `Only ${p.stock} of ${p.name} in stock` })
  }
  return { items, subtotal: { amount: subtotal, currency }, itemCount, warnings }
}

/** The priced cart; `known` is the stored cart when the caller has just read it. */
export async function viewCart(deps: CartDeps, cartId: string | undefined, known?: StoredCart, merge?: MergeReport): Promise<CartView> {
  const cart = known ?? (cartId ? await deps.store.get(cartId) : undefined)
  const products = cart?.lines.length ? await deps.products.getProducts(cart.lines.map((l) => l.productId)) : new Map<number, ProductSummary>()
  return priceCart(cart, products, deps.defaultCurrency, merge)
}

async function getProduct(deps: CartDeps, productId: number): Promise<ProductSummary> {
  const product = (await deps.products.getProducts([productId])).get(productId)
  if (!product) throw productNotFound(productId)
  return product
}

function refusal(result: Extract<AddResult, { ok: false }>, product: ProductSummary, quantity: number, limits: CartLimits): AppError {
  switch (result.refusal) {
    case 'OUT_OF_STOCK':
      return outOfStock(product, { quantity: result.quantity, asked: quantity })
    case 'QUANTITY_LIMIT':
      return quantityLimit(limits.maxQuantity, result.quantity)
    case 'CART_FULL':
      return cartFull(limits.maxLines)
    case 'CURRENCY_MISMATCH':
      return currencyMismatch({ name: product.name, currency: product.salePrice.currency })
  }
}

/** Adds units of a product (a product already in the cart gets more). Refused: nothing is written. */
export async function addItem(deps: CartDeps, cartId: string, productId: number, quantity: number): Promise<void> {
  const product = await getProduct(deps, productId)
  const line = { productId, quantity, stock: product.stock, unitPrice: product.salePrice.amount, currency: product.salePrice.currency }
  const result = await deps.store.add(cartId, line, deps.limits)
  if (!result.ok) throw refusal(result, product, quantity, deps.limits)
}

/** Sets a line's quantity; the line's price counts as seen again. */
export async function setItemQuantity(deps: CartDeps, cartId: string | undefined, productId: number, quantity: number): Promise<void> {
  const cart = cartId ? await deps.store.get(cartId) : undefined
  if (!cartId || !cart?.lines.some((l) => l.productId === productId)) throw cartItemNotFound(productId)
  const product = await getProduct(deps, productId)
  if (cart.currency && product.salePrice.currency !== cart.currency) {
    throw currencyMismatch({ name: product.name, currency: product.salePrice.currency })
  }
  if (quantity > product.stock) throw outOfStock(product)
  if (!(await deps.store.setQuantity(cartId, productId, quantity, product.salePrice.amount))) throw cartItemNotFound(productId)
}

export async function removeItem(deps: CartDeps, cartId: string | undefined, productId: number): Promise<void> {
  if (!cartId || !(await deps.store.remove(cartId, productId))) throw cartItemNotFound(productId)
}

/**
 * Moves a guest cart into the user's: quantities add up, capped by the current
 * stock and the per-line maximum, never below what the user's cart had; the
 * guest cart is deleted. At most once: null when there was nothing (left) to
 * merge. Returns what did not fit, as warnings.
 */
export async function mergeGuestCart(deps: CartDeps, guestId: string, userId: string): Promise<MergeReport | null> {
  const guest = await deps.store.get(guestId)
  if (!guest) return null
  const products = guest.lines.length ? await deps.products.getProducts(guest.lines.map((l) => l.productId)) : new Map<number, ProductSummary>()
  const caps = new Map<number, MergeCap>(
    guest.lines.map((l) => {
      const p = products.get(l.productId)
      const cap = p ? { cap: Math.min(p.stock, deps.limits.maxQuantity), currency: p.salePrice.currency } : { cap: 0, currency: guest.currency ?? '' }
      return [l.productId, cap]
    }),
  )
  const outcomes = await deps.store.merge(guestId, userCartId(userId), caps, deps.limits)
  if (!outcomes) return null
  const report: MergeReport = { warnings: [], adjusted: new Set() }
  for (const o of outcomes) {
    const requested = o.before + o.guestQuantity
    if (o.after >= requested) continue
    const p = products.get(o.productId)
    if (o.after === 0) {
      report.warnings.push({ code: WARNING.mergeItemSkipped, productId: o.productId, message: skippedBecause(o, p) })
    } else {
      report.adjusted.add(o.productId)
      report.warnings.push({
        code: WARNING.mergeQuantityCapped,
        productId: o.productId,
        message: `${p?.name ?? `Product ${o.productId}`}: ${o.after} in the cart instead of ${requested} (stock or the per-product limit)`,
      })
    }
  }
  return report
}

function skippedBecause(o: MergeOutcome, p: ProductSummary | undefined): string {
  const name = p?.name ?? `Product ${o.productId}`
  if (!p) return `${name} from the guest cart is no longer available`
  if (o.refusal === 'CART_FULL') return `${name} from the guest cart did not fit: the cart is full`
  if (o.refusal === 'CURRENCY_MISMATCH') return `${name} from the guest cart is sold in another currency`
  return `${name} from the guest cart is out of stock`
}

/** The raw lines of a user's cart, for the order service. */
export async function userCartLines(deps: Pick<CartDeps, 'store'>, userId: string): Promise<CartLine[]> {
  const cart = await deps.store.get(userCartId(userId))
  return (cart?.lines ?? []).map((l) => ({ productId: l.productId, quantity: l.quantity }))
}
