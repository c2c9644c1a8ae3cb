import assert from 'node:assert/strict'
import { test } from 'node:test'
import { imageView, thumbnailUrl, type StoredImage } from '../../src/services/product/images/image-view.js'

const hash = '0123456789abcdef0123456789abcdef'
const image = (id: string, position: number, h = hash): StoredImage => ({
  id,
  alt: `picture ${id}`,
  position,
  hash: h,
  sizes: [
    { width: 200, height: 150 },
    { width: 600, height: 450 },
  ],
})

test('an image view lists every format by ascending width, with content-addressed URLs under the base URL', () => {
  const view = imageView(image('i1', 0), '/images/')
  assert.deepEqual(view, {
    id: 'i1',
    alt: 'picture i1',
    position: 0,
    variants: {
      avif: [
        { url: `/images/01/${hash}/200.avif`, width: 200, height: 150 },
        { url: `/images/01/${hash}/600.avif`, width: 600, height: 450 },
      ],
      webp: [
        { url: `/images/01/${hash}/200.webp`, width: 200, height: 150 },
        { url: `/images/01/${hash}/600.webp`, width: 600, height: 450 },
      ],
      jpeg: [
        { url: `/images/01/${hash}/200.jpg`, width: 200, height: 150 },
        { url: `/images/01/${hash}/600.jpg`, width: 600, height: 450 },
      ],
    },
  })
  assert.equal(imageView(image('i1', 0), 'https://cdn.example.com/img').variants.webp[0]!.url, `https://cdn.example.com/img/01/${hash}/200.webp`)
})

test("the cart's thumbnail is the smallest JPEG of the first image by position, or null without images", () => {
  const other = 'fedcba9876543210fedcba9876543210'
  assert.equal(thumbnailUrl([image('b', 2), image('a', 1, other)], '/images'), `/images/fe/${other}/200.jpg`)
  assert.equal(thumbnailUrl([], '/images'), null)
})

test('a view refuses to build a URL from something that is not a content hash', () => {
  assert.throws(() => imageView(image('x', 0, '../../etc/passwd'.padEnd(32, 'a')), '/images'))
})
