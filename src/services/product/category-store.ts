import type { Queryable } from '../../platform/db/db.js'

/** The SQL of the category tree (schema `catalog`). */

export interface CategoryRow {
  id: number
  slug: string
  name: string
  parent_id: number | null
  position: number
  product_count: number
}

export async function listCategories(db: Queryable): Promise<CategoryRow[]> {
  const { rows } = await db.query<CategoryRow>(`
    select c.id, c.slug, c.name, c.parent_id, c.position, coalesce(n.count, 0)::int as product_count
    from catalog.categories c
    left join (
      select category_id, count(*) as count from catalog.products
      where deleted_at is null group by category_id
    ) n on n.category_id = c.id
    order by c.position, c.id`)
  return rows
}

export interface CategoryInput {
  slug: string
  name: string
  parentId: number | null
  position: number
}

export async function insertCategory(db: Queryable, c: CategoryInput): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    'insert into catalog.categories (slug, name, parent_id, position) values ($1, $2, $3, $4) returning id',
    [c.slug, c.name, c.parentId, c.position],
  )
  return rows[0]!.id
}

export async function updateCategory(db: Queryable, id: number, c: Partial<CategoryInput>): Promise<boolean> {
  const r = await db.query(
    `update catalog.categories set
       slug = coalesce($2, slug), name = coalesce($3, name),
       parent_id = case when $4::boolean then $5::int else parent_id end,
       position = coalesce($6, position), updated_at = now()
     where id = $1`,
    [id, c.slug ?? null, c.name ?? null, c.parentId !== undefined, c.parentId ?? null, c.position ?? null],
  )
  return r.rowCount === 1
}

/** Whether making parentId the parent of id would close a cycle. */
export async function isDescendant(db: Queryable, candidateId: number, ancestorId: number): Promise<boolean> {
  const { rows } = await db.query<{ found: boolean }>(
    `with recursive up as (
       select id, parent_id from catalog.categories where id = $1
       union all
       select c.id, c.parent_id from catalog.categories c join up on c.id = up.parent_id
     ) select exists (select 1 from up where id = $2) as found`,
    [candidateId, ancestorId],
  )
  return rows[0]!.found
}

export async function deleteCategory(db: Queryable, id: number): Promise<boolean> {
  const r = await db.query('delete from catalog.categories where id = $1', [id])
  return r.rowCount === 1
}
