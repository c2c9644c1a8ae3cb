import type { CategoryRow } from './category-store.js'

/** The category tree the catalog shows, built from the rows; pure functions. */

export interface CategoryNode {
  id: number
  slug: string
  name: string
  parentId: number | null
  /** Live products in this category and all below it. */
  productCount: number
  children: CategoryNode[]
}

export function buildCategoryTree(rows: CategoryRow[]): CategoryNode[] {
  const nodes = new Map<number, CategoryNode>()
  for (const r of rows) {
    nodes.set(r.id, { id: r.id, slug: r.slug, name: r.name, parentId: r.parent_id, productCount: r.product_count, children: [] })
  }
  const roots: CategoryNode[] = []
  for (const n of nodes.values()) {
    const parent = n.parentId === null ? undefined : nodes.get(n.parentId)
    ;(parent ? parent.children : roots).push(n)
  }
  const total = (n: CategoryNode): number => (n.productCount += n.children.reduce((s, c) => s + total(c), 0))
  roots.forEach(total)
  return roots
}

/** The ids of the category with this slug and of every category below it. */
export function subtreeIds(tree: CategoryNode[], slug: string): number[] | undefined {
  for (const n of tree) {
    if (n.slug === slug) {
      const ids: number[] = []
      const walk = (c: CategoryNode) => {
        ids.push(c.id)
        c.children.forEach(walk)
      }
      walk(n)
      return ids
    }
    const below = subtreeIds(n.children, slug)
    if (below) return below
  }
  return undefined
}
