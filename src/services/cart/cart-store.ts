/**
 * The cart storage port. Two adapters pass one contract suite
 * (test/contract/cart-store.test.ts): Redis (redis-cart-store.ts, production)
 * and the service's SQL schema (sql-cart-store.ts, the embedded database).
 * Every operation on one cart is atomic, and a refused change writes nothing.
 * A cart nobody read or changed for ttlSeconds is gone.
 *
 * Cart ids are `u:<user id>` and `g:<hash of the guest token>` (cart-tokens.ts).
 */

/**
 * A line is one variant of a product. variantId 0 marks a line stored before
 * variants existed: it means the product's only variant (the catalog resolves it).
 */
export interface LineRef {
  productId: number
  variantId: number
}

/** The line's key in both stores: `<product id>` for variant 0 (as before variants), else `<product id>.<variant id>`. */
export function lineKey(l: LineRef): string {
  return l.variantId ? `${l.productId}.${l.variantId}` : String(l.productId)
}

export function parseLineKey(key: string): LineRef {
  const [p, v] = key.split('.')
  return { productId: Number(p), variantId: v ? Number(v) : 0 }
}

export const sameLine = (a: LineRef, b: LineRef) => a.productId === b.productId && a.variantId === b.variantId

export interface StoredLine extends LineRef {
  quantity: number
  /** The unit price (minor units, the cart's currency) when the line was last added or changed: "price changed" compares with it. */
  seenPrice: number
}

export interface StoredCart {
  /** Currency of the lines; null while the cart has none. */
  currency: string | null
  /** In the order the products were first added. */
  lines: StoredLine[]
}

export interface CartLimits {
  maxQuantity: number
  maxLines: number
}

export interface AddLine extends LineRef {
  quantity: number
  /** Current stock: the line may not hold more. */
  stock: number
  unitPrice: number
  currency: string
}

export type AddRefusal = 'QUANTITY_LIMIT' | 'OUT_OF_STOCK' | 'CART_FULL' | 'CURRENCY_MISMATCH'

export type AddResult = { ok: true; quantity: number } | { ok: false; refusal: AddRefusal; quantity: number }

/** What a merge may put into the user's cart per line (keyed by lineKey), from the catalog. */
export interface MergeCap {
  /** min(stock, maxQuantity); 0 for a product that is gone. */
  cap: number
  currency: string
}

export interface MergeOutcome extends LineRef {
  /** Units in the guest cart. */
  guestQuantity: number
  /** Units the user's cart had before, and has now. */
  before: number
  after: number
  /** Why nothing was merged, when it was a rule of the cart rather than the cap. */
  refusal?: 'CURRENCY_MISMATCH' | 'CART_FULL'
}

export interface OrderedLine extends LineRef {
  quantity: number
}

export interface CartStore {
  readonly kind: 'redis' | 'sql'
  /** The cart, or undefined when there is none (never made, or expired). Refreshes its idle expiry. */
  get(cartId: string): Promise<StoredCart | undefined>
  /** Adds units to a line (creating the cart and the line as needed), within the limits and the stock; refused: nothing written. */
  add(cartId: string, line: AddLine, limits: CartLimits): Promise<AddResult>
  /** Sets a line's quantity and seen price; false when the cart has no such line. */
  setQuantity(cartId: string, line: LineRef, quantity: number, seenPrice: number): Promise<boolean>
  /** Removes a line; false when the cart has no such line. */
  remove(cartId: string, line: LineRef): Promise<boolean>
  /** Removes every line; the cart itself (and the orders it remembers) stays. */
  clear(cartId: string): Promise<void>
  /**
   * Moves the lines of one cart into another and deletes the first, in one step:
   * of two merges of the same cart at once, one merges and the other finds
   * nothing (null). Quantities add up, capped per line by caps (keyed by lineKey;
   * lines absent from caps: by maxQuantity), never below what the target had.
   */
  merge(fromId: string, intoId: string, caps: ReadonlyMap<string, MergeCap>, limits: CartLimits): Promise<MergeOutcome[] | null>
  /**
   * Takes ordered quantities out of a cart (a line reaching 0 goes; lines added
   * meanwhile stay). Once per order id: false when this order was already taken out.
   */
  removeOrdered(cartId: string, orderId: string, lines: readonly OrderedLine[]): Promise<boolean>
  /** Deletes idle carts that expiry did not already remove; returns how many. */
  sweep(): Promise<number>
}

export interface CartStoreOptions {
  /** Idle time after which a cart is gone (CART_TTL_SECONDS). */
  ttlSeconds: number
}

// The rules below are the SQL adapter's; the Redis adapter's Lua scripts mirror
// them, and the contract suite holds the two together.

/** Whether and how an add changes a cart. */
export function planAdd(cart: StoredCart | undefined, line: AddLine, limits: CartLimits): AddResult {
  const lines = cart?.lines ?? []
  const existing = lines.find((l) => sameLine(l, line))?.quantity ?? 0
  if (lines.length > 0 && cart?.currency && cart.currency !== line.currency) return { ok: false, refusal: 'CURRENCY_MISMATCH', quantity: existing }
  const total = existing + line.quantity
  if (total > limits.maxQuantity) return { ok: false, refusal: 'QUANTITY_LIMIT', quantity: existing }
  if (total > line.stock) return { ok: false, refusal: 'OUT_OF_STOCK', quantity: existing }
  if (existing === 0 && lines.length >= limits.maxLines) return { ok: false, refusal: 'CART_FULL', quantity: existing }
  return { ok: true, quantity: total }
}

export interface MergePlan {
  outcomes: MergeOutcome[]
  /** Lines of the target to write (new or raised). */
  writes: (LineRef & { quantity: number; seenPrice: number; isNew: boolean })[]
  currency: string | null
}

/** The merge of a guest cart's lines into a user's cart, in the guest cart's line order. */
export function planMerge(from: StoredCart, into: StoredCart | undefined, caps: ReadonlyMap<string, MergeCap>, limits: CartLimits): MergePlan {
  const have = new Map((into?.lines ?? []).map((l) => [lineKey(l), l.quantity]))
  let lineCount = have.size
  let currency = lineCount > 0 ? (into?.currency ?? null) : null
  const outcomes: MergeOutcome[] = []
  const writes: MergePlan['writes'] = []
  for (const line of from.lines) {
    const key = lineKey(line)
    const before = have.get(key) ?? 0
    const cap = caps.get(key) ?? { cap: limits.maxQuantity, currency: from.currency ?? currency ?? '' }
    const outcome: MergeOutcome = { productId: line.productId, variantId: line.variantId, guestQuantity: line.quantity, before, after: before }
    if (currency !== null && cap.currency !== currency) outcome.refusal = 'CURRENCY_MISMATCH'
    else if (before === 0 && lineCount >= limits.maxLines) outcome.refusal = 'CART_FULL'
    else {
      const after = Math.max(before, Math.min(before + line.quantity, cap.cap, limits.maxQuantity))
      if (after > before) {
        writes.push({ productId: line.productId, variantId: line.variantId, quantity: after, seenPrice: line.seenPrice, isNew: before === 0 })
        if (before === 0) lineCount++
        currency ??= cap.currency
        have.set(key, after)
        outcome.after = after
      }
    }
    outcomes.push(outcome)
  }
  return { outcomes, writes, currency }
}

/** Ordered quantities per line key (an order may name a line twice). */
export function sumOrdered(lines: readonly OrderedLine[]): Map<string, number> {
  const sums = new Map<string, number>()
  for (const l of lines) sums.set(lineKey(l), (sums.get(lineKey(l)) ?? 0) + l.quantity)
  return sums
}
