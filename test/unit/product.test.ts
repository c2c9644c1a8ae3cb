import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { discounted } from '../../src/services/product/product.js'
import { buildCategoryTree, subtreeIds } from '../../src/services/product/category-tree.js'
import { decodeCursor, encodeCursor } from '../../src/services/product/cursors.js'
import { AppError } from '../../src/platform/errors.js'

describe('prices', () => {
  test('a discount rounds down to whole minor units', () => {
    assert.equal(discounted(1999, 10), 1799)
    assert.equal(discounted(1000, 15), 850)
    assert.equal(discounted(1, 50), 0)
  })
})

describe('category tree', () => {
  const rows = [
    { id: 1, slug: 'home', name: 'Home', parent_id: null, position: 0, product_count: 1 },
    { id: 2, slug: 'kitchen', name: 'Kitchen', parent_id: 1, position: 0, product_count: 3 },
    { id: 3, slug: 'pans', name: 'Pans', parent_id: 2, position: 0, product_count: 5 },
    { id: 4, slug: 'garden', name: 'Garden', parent_id: null, position: 1, product_count: 2 },
  ]

  test('counts include every category below', () => {
    const tree = buildCategoryTree(rows)
    assert.deepEqual(tree.map((n) => [n.slug, n.productCount]), [['home', 9], ['garden', 2]])
    assert.equal(tree[0]!.children[0]!.productCount, 8)
  })

  test('a category filter covers the category and its descendants', () => {
    const tree = buildCategoryTree(rows)
    assert.deepEqual(subtreeIds(tree, 'home'), [1, 2, 3])
    assert.deepEqual(subtreeIds(tree, 'pans'), [3])
    assert.equal(subtreeIds(tree, 'nope'), undefined)
  })
})

describe('cursors', () => {
  const filter = { q: 'chair', category: 'furniture' }

  test('a cursor round-trips for the list it was made for', () => {
    const c = encodeCursor('price_asc', filter, [1999, 42])
    assert.deepEqual(decodeCursor(c, 'price_asc', filter), [1999, 42])
  })

  const rejects = (cursor: string, sort = 'price_asc', f: object = filter) =>
    assert.throws(() => decodeCursor(cursor, sort, f), (e: unknown) => e instanceof AppError && e.code === 'INVALID_CURSOR' && e.status === 400)

  test('a cursor from another sort or filter is refused', () => {
    const c = encodeCursor('price_asc', filter, [1999, 42])
    rejects(c, 'price_desc')
    rejects(c, 'price_asc', { q: 'table', category: 'furniture' })
  })

  test('forged cursors are refused', () => {
    rejects('not base64 json')
    rejects(Buffer.from('{"s":"price_asc"}').toString('base64url'))
    rejects(Buffer.from('[1,2]').toString('base64url'))
    const good = JSON.parse(Buffer.from(encodeCursor('price_asc', filter, [1, 2]), 'base64url').toString())
    for (const k of [[1], [1, 2, 3], ['1', 2], [1.5, 2], [-1, 2], [1, 1e300], [null, 1]]) {
      rejects(Buffer.from(JSON.stringify({ ...good, k })).toString('base64url'))
    }
  })
})
