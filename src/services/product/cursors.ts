import { createHash } from 'node:crypto'
import { invalidCursor } from '../../platform/errors.js'

/** Keyset cursors of the catalog's lists: opaque, and bound to the sort and filter they were made for. */

export interface ListFilter {
  q?: string
  category?: string
  minPrice?: number
  maxPrice?: number
}

/** Binds a cursor to the sort and filter it was made for, so it cannot be replayed on another list. */
function fingerprint(sort: string, filter: ListFilter): string {
  const canonical = JSON.stringify([sort, filter.q ?? null, filter.category ?? null, filter.minPrice ?? null, filter.maxPrice ?? null])
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 10)
}

const KEY_ARITY: Record<string, number> = { relevance: 2, newest: 1, price_asc: 2, price_desc: 2, deals: 2 }

export function encodeCursor(sort: string, filter: ListFilter, key: readonly number[]): string {
  return Buffer.from(JSON.stringify({ s: sort, f: fingerprint(sort, filter), k: key })).toString('base64url')
}

export function decodeCursor(cursor: string, sort: string, filter: ListFilter): number[] {
  const invalid = invalidCursor
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw invalid()
  }
  const c = parsed as { s?: unknown; f?: unknown; k?: unknown }
  if (typeof c !== 'object' || c === null || c.s !== sort || c.f !== fingerprint(sort, filter)) throw invalid()
  const k = c.k
  if (!Array.isArray(k) || k.length !== KEY_ARITY[sort] || !k.every((v) => typeof v === 'number' && Number.isFinite(v))) throw invalid()
  // Everything but a relevance rank is an integer within the column types.
  const ints = sort === 'relevance' ? k.slice(1) : k
  if (!ints.every((v) => Number.isSafeInteger(v) && v >= 0 && v <= 2 ** 53)) throw invalid()
  return k as number[]
}
