import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import { discounted } from '../../src/services/product/product.js'
import { buildCategoryTree, subtreeIds } from '../../src/services/product/category-tree.js'
import { createCursorCodec } from '../../src/platform/cursors.js'
import { decodeCursor, encodeCursor, type CursorSort } from '../../src/services/product/cursors.js'
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
  const codec = createCursorCodec('a-test-secret-of-at-least-32-characters')

  test('a cursor round-trips for the list it was made for', () => {
    const c = encodeCursor(codec, 'price_asc', filter, [1999, 42])
    assert.deepEqual(decodeCursor(codec, c, 'price_asc', filter), [1999, 42])
  })

  const rejects = (cursor: string, sort: CursorSort = 'price_asc', f: object = filter, by = codec) =>
    assert.throws(() => decodeCursor(by, cursor, sort, f), (e: unknown) => e instanceof AppError && e.code === 'INVALID_CURSOR' && e.status === 400)

  test('a cursor from another sort, filter or secret is refused', () => {
    const c = encodeCursor(codec, 'price_asc', filter, [1999, 42])
    rejects(c, 'price_desc')
    rejects(c, 'price_asc', { q: 'table', category: 'furniture' })
    rejects(c, 'price_asc', filter, createCursorCodec('another-secret-of-at-least-32-characters'))
    rejects(c, 'price_asc', filter, createCursorCodec(undefined))
  })

  test('regression: a cursor whose check value is recomputed by the client (an unkeyed hash) is refused', () => {
    rejects('not base64 json')
    rejects(Buffer.from('[1999,42]').toString('base64url'))
    const [payload] = encodeCursor(codec, 'price_asc', filter, [1999, 42]).split('.')
    const forgedPayload = Buffer.from('[2147483648,42]').toString('base64url')
    rejects(`${forgedPayload}.${createHash('sha256').update(forgedPayload).digest('base64url').slice(0, 22)}`)
    rejects(`${payload}.`)
    rejects(`${payload}.${'A'.repeat(22)}`)
    rejects(`${payload}.${encodeCursor(codec, 'price_asc', filter, [1, 2]).split('.')[1]}`)
  })

  test('even a validly signed cursor must hold values its query can take', () => {
    const signed = (sort: CursorSort, k: unknown[]) => codec.encode(JSON.stringify(['catalog', sort, filter.q, filter.category, null, null]), k)
    assert.deepEqual(decodeCursor(codec, signed('relevance', [0.0607927, 7]), 'relevance', filter), [0.0607927, 7])
    assert.deepEqual(decodeCursor(codec, signed('relevance', [0, 7]), 'relevance', filter), [0, 7])
    for (const [sort, k] of [
      ['price_desc', [2147483648, 1]],
      ['price_asc', [-1, 2]],
      ['price_asc', [1.5, 2]],
      ['price_asc', ['1', 2]],
      ['price_asc', [1, 2 ** 53]],
      ['price_asc', [1, 0]],
      ['price_asc', [1]],
      ['price_asc', [1, 2, 3]],
      ['relevance', [1e308, 1]],
      ['relevance', [-1e-320, 1]],
      ['relevance', [1e-40, 1]],
      ['relevance', [-0.5, 1]],
      ['relevance', [null, 1]],
      ['newest', [0]],
      ['newest', [1e300]],
      ['deals', [101, 1]],
      ['deals', [50, 2147483648]],
    ] as [CursorSort, unknown[]][]) {
      rejects(signed(sort, k), sort)
    }
  })
})
