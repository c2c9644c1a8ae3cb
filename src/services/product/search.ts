import type { Queryable } from '../../platform/db/db.js'
import { correctedQuery } from './search-store.js'

/**
 * A search that found nothing is run once more with the typed words corrected
 * to the nearest words of product names (a typo: "headphnes"). Returns the rows
 * and, when the correction was used, the corrected query to show the customer.
 */
export async function withCorrection<T>(db: Queryable, q: string, run: (q: string) => Promise<T[]>): Promise<{ rows: T[]; corrected?: string }> {
  const rows = await run(q)
  if (rows.length) return { rows }
  const corrected = await correctedQuery(db, q)
  return corrected === undefined ? { rows } : { rows: await run(corrected), corrected }
}
