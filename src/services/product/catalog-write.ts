import { PgCode, pgCode } from '../../platform/db/db.js'
import { categoryInUseOrMissing, invalidValue, referenceNotFound, skuTaken, slugTaken, variantCombinationTaken } from './errors.js'
import type { ProductDeps } from './product.js'

/**
 * How every catalog write runs (catalog-admin.ts, product-variants.ts): its
 * database errors become the API's, and the caches it touched are made stale
 * before it returns. Imports nothing of the catalog at run time, so the modules
 * that write can import it without a cycle.
 */

function translateWriteError(err: unknown): never {
  const code = pgCode(err)
  const constraint = (err as { constraint?: string }).constraint ?? ''
  if (code === PgCode.uniqueViolation) {
    if (constraint === 'variants_sku') throw skuTaken()
    if (constraint === 'variants_combination') throw variantCombinationTaken()
    throw slugTaken()
  }
  if (code === PgCode.foreignKeyViolation || code === PgCode.restrictViolation) {
    if (constraint.includes('parent') || constraint.includes('category')) {
      throw categoryInUseOrMissing()
    }
    throw referenceNotFound()
  }
  if (code === PgCode.checkViolation) throw invalidValue()
  throw err
}

export async function write<T>(deps: ProductDeps, namespaces: readonly string[], fn: () => Promise<T>): Promise<T> {
  let result: T
  try {
    result = await fn()
  } catch (err) {
    translateWriteError(err)
  }
  // After the commit and before answering: no stale read once the write has returned.
  await deps.cache.invalidate(...namespaces)
  return result
}
