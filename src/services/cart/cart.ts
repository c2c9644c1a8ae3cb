import type { CartLine } from '../../contracts/cart.js'
import type { ProductClient, ProductSummary, Money, VariantSummary } from '../../contracts/product.js'
import type { AppError } from '../../platform/errors.js'
import { lineKey, type AddResult, type CartLimits, type CartStore, type LineRef, type MergeCap, type MergeOutcome, type StoredCart, type StoredLine } from './cart-store.js'
import { userCartId } from './cart-tokens.js'
import { cartFull, cartItemNotFound, currencyMismatch, outOfStock, productNotFound, quantityLimit, variantNotFound, variantRequired, WARNING } from './errors.js'

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
  /** The variant of the line; null for a line from before variants whose product now has several. */
  variantId: number | null
  sku: string | null
  /** The variant's option values ({} for a product without options). */
  options: Record<string, string>
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
  variantId?: number
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
  /** Line keys (lineKey) the merge capped. */
  adjusted: Set<string>
}

/** The variant a line means: its own, or for a line from before variants (0), the product's only one. */
export function variantOf(p: ProductSummary | undefined, variantId: number): VariantSummary | undefined {
  if (!p) return undefined
  if (variantId) return p.variants.find((v) => v.id === variantId)
  return p.variants.length === 1 ? p.variants[0] : undefined
}

/** A variant's name for messages: "T-shirt (M, Blue)". */
function titled(p: ProductSummary, v: VariantSummary): string {
  const values = Object.values(v.options)
  return values.length ? `${p.name} (${values.join(', ')})` : p.name
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
    const v = variantOf(p, line.variantId)
    itemCount += line.quantity
    const adjusted = merge?.adjusted.has(lineKey(line)) ? { quantityAdjusted: true as const } : {}
    const variant = { variantId: v?.id ?? (line.variantId || null), sku: v?.sku ?? null, options: v?.options ?? {} }
    if (!p || !v || v.salePrice.currency !== currency) {
      items.push({
        productId: line.productId,
        ...variant,
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
      warnings.push({ code: WARNING.productUnavailable, productId: line.productId, ...(variant.variantId ? { variantId: variant.variantId } : {}), message: `${p?.name ?? 'This product'} is no longer available; remove it from the cart` })
      continue
    }
    const unit = v.salePrice
    const priceChanged = unit.amount !== line.seenPrice
    const exceedsStock = line.quantity > v.stock
    const name = titled(p, v)
    items.push({
      productId: p.id,
      ...variant,
      slug: p.slug,
      name: p.name,
      quantity: line.quantity,
      unitPrice: unit,
      lineTotal: { amount: unit.amount * line.quantity, currency },
      image: p.image,
      available: true,
      inStock: v.inStock,
      stock: v.stock,
      exceedsStock,
      priceChanged,
      ...(priceChanged ? { previousUnitPrice: { amount: line.seenPrice, currency } } : {}),
      ...adjusted,
    })
    subtotal += unit.amount * line.quantity
    const at = { productId: p.id, variantId: v.id }
    if (priceChanged) warnings.push({ code: WARNING.priceChanged, ...at, message: `The price of ${name} changed from ${line.seenPrice} to ${unit.amount}` })
    if (v.stock === 0) warnings.push({ code: WARNING.outOfStock, ...at, message: `${name} is out of stock` })
    else if (exceedsStock) warnings.push({ code: WARNING.quantityExceedsStock, ...at, message: `Only ${v.stock} of ${name} in stock` })
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

function refusal(result: Extract<AddResult, { ok: false }>, product: ProductSummary, variant: VariantSummary, quantity: number, limits: CartLimits): AppError {
  switch (result.refusal) {
    case 'OUT_OF_STOCK':
      return outOfStock({ name: titled(product, variant), stock: variant.stock }, { quantity: result.quantity, asked: quantity })
    case 'QUANTITY_LIMIT':
      return quantityLimit(limits.maxQuantity, result.quantity)
    case 'CART_FULL':
      return cartFull(limits.maxLines)
    case 'CURRENCY_MISMATCH':
      return currencyMismatch({ name: product.name, currency: variant.salePrice.currency })
  }
}

/** The variant a request names, or the product's only one when it names none. */
function chooseVariant(product: ProductSummary, variantId: number | undefined): VariantSummary {
  if (variantId === undefined) {
    if (product.variants.length !== 1) throw variantRequired(product.id)
    return product.variants[0]!
  }
  const v = product.variants.find((x) => x.id === variantId)
  if (!v) throw variantNotFound(product.id, variantId)
  return v
}

/**
 * The line a request addresses: of this product, the given variant's (or a line
 * from before variants), else the product's only line. VARIANT_REQUIRED when the
 * cart holds several variants of it and the request names none.
 */
export function findLine(lines: readonly StoredLine[], productId: number, variantId: number | undefined): StoredLine | undefined {
  const ofProduct = lines.filter((l) => l.productId === productId)
  if (variantId === undefined) {
    if (ofProduct.length > 1) throw variantRequired(productId)
    return ofProduct[0]
  }
  return ofProduct.find((l) => l.variantId === variantId) ?? ofProduct.find((l) => l.variantId === 0)
}

/** Adds units of a product's variant (a line already in the cart gets more). Refused: nothing is written. */
export async function addItem(deps: CartDeps, cartId: string, productId: number, variantId: number | undefined, quantity: number): Promise<void> {
  const product = await getProduct(deps, productId)
  const variant = chooseVariant(product, variantId)
  const line = { productId, variantId: variant.id, quantity, stock: variant.stock, unitPrice: variant.salePrice.amount, currency: variant.salePrice.currency }
  const result = await deps.store.add(cartId, line, deps.limits)
  if (!result.ok) throw refusal(result, product, variant, quantity, deps.limits)
}

/** Sets a line's quantity; the line's price counts as seen again. */
export async function setItemQuantity(deps: CartDeps, cartId: string | undefined, productId: number, variantId: number | undefined, quantity: number): Promise<void> {
  const cart = cartId ? await deps.store.get(cartId) : undefined
  const line = cart && findLine(cart.lines, productId, variantId)
  if (!cartId || !cart || !line) throw cartItemNotFound(productId)
  const product = await getProduct(deps, productId)
  const variant = variantOf(product, line.variantId)
  if (!variant) throw line.variantId ? variantNotFound(productId, line.variantId) : variantRequired(productId)
  if (cart.currency && variant.salePrice.currency !== cart.currency) {
    throw currencyMismatch({ name: product.name, currency: variant.salePrice.currency })
  }
  if (quantity > variant.stock) throw outOfStock({ name: titled(product, variant), stock: variant.stock })
  if (!(await deps.store.setQuantity(cartId, line, quantity, variant.salePrice.amount))) throw cartItemNotFound(productId)
}

export async function removeItem(deps: CartDeps, cartId: string | undefined, productId: number, variantId: number | undefined): Promise<void> {
  const cart = cartId ? await deps.store.get(cartId) : undefined
  const line: LineRef | undefined = cart && findLine(cart.lines, productId, variantId)
  if (!cartId || !line || !(await deps.store.remove(cartId, line))) throw cartItemNotFound(productId)
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
  const caps = new Map<string, MergeCap>(
    guest.lines.map((l) => {
      const v = variantOf(products.get(l.productId), l.variantId)
      const cap = v ? { cap: Math.min(v.stock, deps.limits.maxQuantity), currency: v.salePrice.currency } : { cap: 0, currency: guest.currency ?? '' }
      return [lineKey(l), cap]
    }),
  )
  const outcomes = await deps.store.merge(guestId, userCartId(userId), caps, deps.limits)
  if (!outcomes) return null
  const report: MergeReport = { warnings: [], adjusted: new Set() }
  for (const o of outcomes) {
    const requested = o.before + o.guestQuantity
    if (o.after >= requested) continue
    const p = products.get(o.productId)
    const at = { productId: o.productId, ...(o.variantId ? { variantId: o.variantId } : {}) }
    if (o.after === 0) {
      report.warnings.push({ code: WARNING.mergeItemSkipped, ...at, message: skippedBecause(o, p) })
    } else {
      report.adjusted.add(lineKey(o))
      report.warnings.push({
        code: WARNING.mergeQuantityCapped,
        ...at,
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
  // A line from before variants names none: the reservation takes the product's only one.
  return (cart?.lines ?? []).map((l) => ({ productId: l.productId, ...(l.variantId ? { variantId: l.variantId } : {}), quantity: l.quantity }))
}

/**
 * Takes an order's lines out of a user's cart, once per order. A line that names
 * no variant (an order written before variants) means the cart's line of that
 * product: its line from before variants, or its only line.
 */
export async function removeOrdered(deps: Pick<CartDeps, 'store'>, userId: string, orderId: string, lines: readonly CartLine[]): Promise<void> {
  const cartId = userCartId(userId)
  const unnamed = lines.some((l) => !l.variantId)
  const stored = unnamed ? ((await deps.store.get(cartId))?.lines ?? []) : []
  const variantFor = (productId: number) => {
    const ofProduct = stored.filter((l) => l.productId === productId)
    return ofProduct.some((l) => l.variantId === 0) || ofProduct.length !== 1 ? 0 : ofProduct[0]!.variantId
  }
  await deps.store.removeOrdered(cartId, orderId, lines.map((l) => ({ productId: l.productId, variantId: l.variantId || variantFor(l.productId), quantity: l.quantity })))
}
