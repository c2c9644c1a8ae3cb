import assert from 'node:assert/strict'
import path from 'node:path'
import { test } from 'node:test'
import sharp from 'sharp'
import { demoImageFor, ensureDemoImages } from '../../src/services/product/images/demo-images.js'
import { variantFileOf } from '../../src/services/product/images/variants.js'
import { buildTestImages } from '../helpers/images-fixture.js'

test('demo pictures are drawn once per category and colourway, then found made', async (t) => {
  const { images, registry } = await buildTestImages(t)
  const told: string[] = []
  const set = await ensureDemoImages(images, {
    categories: ['laptops', 'a-category-without-a-drawing'],
    onEach: async (category, colourway) => void told.push(`${category}/${colourway}`),
  })
  assert.deepEqual(told, ['laptops/0', 'laptops/1', 'a-category-without-a-drawing/0', 'a-category-without-a-drawing/1'])
  const all = [...set.values()].flat()
  assert.equal(new Set(all.map((m) => m.hash)).size, 4, 'four distinct pictures')
  for (const manifest of all) {
    assert.deepEqual(manifest.sizes, [
      { width: 200, height: 150 },
      { width: 600, height: 450 },
      { width: 1200, height: 900 },
    ])
    const meta = await sharp(path.join(images.dir, variantFileOf(manifest.hash, 600, 'webp'))).metadata()
    assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 600, 450])
  }

  const encodedBefore = await registry.getSingleMetricAsString('image_variant_duration_seconds')
  const again = await ensureDemoImages(images, { categories: ['laptops', 'a-category-without-a-drawing'] })
  assert.deepEqual([...again.entries()], [...set.entries()])
  assert.equal(await registry.getSingleMetricAsString('image_variant_duration_seconds'), encodedBefore, 'nothing encoded again')

  assert.equal(demoImageFor(set, 'laptops', 7), set.get('laptops')![1])
  assert.equal(demoImageFor(set, 'laptops', 8), set.get('laptops')![0])
  assert.equal(demoImageFor(set, 'not-in-the-set', 1), undefined)
})
