import assert from 'node:assert/strict'
import { test } from 'node:test'
import sharp from 'sharp'
import { sniffImageType, SNIFF_BYTES } from '../../src/services/product/images/image-type.js'
import { planWidths } from '../../src/services/product/images/variants.js'
import { heicHeader, pngBomb, svgWithScript } from '../helpers/image-fixtures.js'

const head = (b: Buffer) => b.subarray(0, SNIFF_BYTES)
const encoded = (format: 'jpeg' | 'png' | 'webp' | 'gif' | 'avif' | 'tiff') =>
  sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } }).toFormat(format).toBuffer()

test('the accepted formats are told from their first bytes', async () => {
  for (const format of ['jpeg', 'png', 'webp', 'gif', 'avif'] as const) {
    assert.equal(sniffImageType(head(await encoded(format))), format, format)
  }
  assert.equal(sniffImageType(head(pngBomb())), 'png')
})

test('SVG, HEIC, TIFF, text and too few bytes are not images we take', async () => {
  assert.equal(sniffImageType(head(svgWithScript)), undefined)
  assert.equal(sniffImageType(head(heicHeader)), undefined)
  assert.equal(sniffImageType(head(await encoded('tiff'))), undefined)
  assert.equal(sniffImageType(Buffer.from('GIF8')), undefined)
  assert.equal(sniffImageType(Buffer.from('%PDF-1.7\n')), undefined)
  assert.equal(sniffImageType(Buffer.alloc(0)), undefined)
})

test('variant widths are 200, 600 and 1200, capped at the original width and never repeated', () => {
  assert.deepEqual(planWidths(4000), [200, 600, 1200])
  assert.deepEqual(planWidths(1200), [200, 600, 1200])
  assert.deepEqual(planWidths(800), [200, 600, 800])
  assert.deepEqual(planWidths(600), [200, 600])
  assert.deepEqual(planWidths(200), [200])
  assert.deepEqual(planWidths(40), [40])
})
