import type { Logger } from 'pino'
import type { CartClient } from '../../contracts/cart.js'
import type { ProductClient } from '../../contracts/product.js'
import type { Identity } from '../../platform/auth/token-verifier.js'
import type { ReadThrough } from '../../platform/cache/read-through.js'
import type { CursorCodec } from '../../platform/cursors.js'
import type { Db } from '../../platform/db/db.js'
import type { PaymentProvider } from './payment-provider.js'

/** What the order flows (checkout, payment, life cycle, sweeper) work with, made once per process in index.ts. */
export interface OrderDeps {
  db: Db
  products: ProductClient
  cart: CartClient
  payments: PaymentProvider
  log: Logger
  cursors: CursorCodec
  /** The shop's pricing rules, read through it (quote.ts). */
  cache: ReadThrough
  settings: { reservationTtlSeconds: number; pricesIncludeTax: boolean }
}

/** Who moves an order: a signed-in customer or admin, or the service itself (the expiry sweep). */
export type Actor = Identity | 'system'
