import type { Queryable } from '../../platform/db/db.js'

/** The SQL of search helpers (migration 003): suggestions while typing and typo correction. */

export interface SuggestionRow {
  name: string
  slug: string
}

/** Names and slugs of the best-selling live products matching what was typed (last word as a prefix). */
export async function suggest(db: Queryable, q: string, limit: number): Promise<SuggestionRow[]> {
  const { rows } = await db.query<SuggestionRow>(
    `select p.name, p.slug from catalog.products p
     where p.deleted_at is null and p.search @@ (select catalog.search_query($1))
     order by p.popularity desc, p.id
     limit $2`,
    [q, limit],
  )
  return rows
}

/** The query with unknown words replaced by the nearest words of product names; undefined when nothing changes. */
export async function correctedQuery(db: Queryable, q: string): Promise<string | undefined> {
  const { rows } = await db.query<{ q: string | null }>('select catalog.corrected_query($1) as q', [q])
  return rows[0]?.q ?? undefined
}
