import { ID_MAX, INT4_MAX, isIntIn, type CursorCodec } from '../../platform/cursors.js'
import { invalidCursor } from '../../platform/errors.js'

/** Keyset cursors of the catalog's lists: signed (platform/cursors.ts), bound to the sort and filter they were made for. */

export interface ListFilter {
  q?: string
  category?: string
  minPrice?: number
  maxPrice?: number
}

export type CursorSort = 'relevance' | 'newest' | 'price_asc' | 'price_desc' | 'deals'

/** A ts_rank (real) this list can compare with: 0, or a normal float4 well inside its range. */
const isRank = (v: unknown): v is number => typeof v === 'number' && (v === 0 || (v >= 1e-30 && v <= 1e30))

/** What each list's key holds, each value within what its column (and the query's casts) can take. */
const KEYS: Record<CursorSort, (k: readonly unknown[]) => boolean> = {
  relevance: (k) => k.length === 2 && isRank(k[0]) && isIntIn(k[1], 1, ID_MAX),
  newest: (k) => k.length === 1 && isIntIn(k[0], 1, ID_MAX),
  price_asc: (k) => k.length === 2 && isIntIn(k[0], 0, INT4_MAX) && isIntIn(k[1], 1, ID_MAX),
  price_desc: (k) => k.length === 2 && isIntIn(k[0], 0, INT4_MAX) && isIntIn(k[1], 1, ID_MAX),
  deals: (k) => k.length === 2 && isIntIn(k[0], 0, 100) && isIntIn(k[1], 1, INT4_MAX),
}

function listOf(sort: CursorSort, filter: ListFilter): string {
  return JSON.stringify(['catalog', sort, filter.q ?? null, filter.category ?? null, filter.minPrice ?? null, filter.maxPrice ?? null])
}

export function encodeCursor(codec: CursorCodec, sort: CursorSort, filter: ListFilter, key: readonly number[]): string {
  return codec.encode(listOf(sort, filter), key)
}

export function decodeCursor(codec: CursorCodec, cursor: string, sort: CursorSort, filter: ListFilter): number[] {
  const key = codec.decode(listOf(sort, filter), cursor)
  if (!KEYS[sort](key)) throw invalidCursor()
  return key as number[]
}
