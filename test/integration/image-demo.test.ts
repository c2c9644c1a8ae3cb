import assert from 'node:assert/strict'
import path from 'node:path'
import { test } from 'node:test'
import sharp from 'sharp'
import { ensureDemoImage } from '../../src/services/product/images/demo-images.js'
import { variantFileOf } from '../../src/services/product/images/variants.js'
import { buildTestImages } from '../helpers/images-fixture.js'

test('demo pictures are drawn once per category and colourway, then found made', async (t) => {
  const { images, registry } = await buildTestImages(t)
  const wanted = [
    ['laptops', 0],
    ['laptops', 1],
    ['a-category-without-a-drawing', 0],
    ['a-category-without-a-drawing', 1],
  ] as const
  const made = []
  for (const [category, colourway] of wanted) made.push(await ensureDemoImage(images, category, colourway))
  assert.equal(new Set(made.map((m) => m.hash)).size, 4, 'four distinct pictures')
  for (const manifest of made) {
    assert.deepEqual(manifest.sizes, [
      { width: 200, height: 150 },
      { width: 600, height: 450 },
      { width: 1200, height: 900 },
    ])
    const meta = await sharp(path.join(images.dir, variantFileOf(manifest.hash, 600, 'webp'))).metadata()
    assert.deepEqual([meta.format, meta.width, meta.height], ['webp', 600, 450])
  }

  const encodedBefore = await registry.getSingleMetricAsString('image_variant_duration_seconds')
  const again = []
  for (const [category, colourway] of wanted) again.push(await ensureDemoImage(images, category, colourway))
  assert.deepEqual(again, made)
  assert.equal(await registry.getSingleMetricAsString('image_variant_duration_seconds'), encodedBefore, 'nothing encoded again')
})
