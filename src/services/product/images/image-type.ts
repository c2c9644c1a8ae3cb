/**
 * The formats we accept, told from the first bytes of the file; the name and
 * the Content-Type a client sends are never consulted. Everything else (SVG,
 * which can carry script; HEIC, which the bundled libvips cannot decode; TIFF,
 * PDF, text) is refused before any decoder sees it.
 */
export const IMAGE_TYPES = ['jpeg', 'png', 'webp', 'gif', 'avif'] as const
export type ImageType = (typeof IMAGE_TYPES)[number]

/** Bytes needed to decide. */
export const SNIFF_BYTES = 64

const ascii = (bytes: Uint8Array, from: number, to: number) => Buffer.from(bytes.subarray(from, to)).toString('latin1')

export function sniffImageType(head: Uint8Array): ImageType | undefined {
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg'
  if (ascii(head, 0, 8) === '\x89PNG\r\n\x1a\n') return 'png'
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return 'webp'
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a') return 'gif'
  if (ascii(head, 4, 8) === 'ftyp' && hasAvifBrand(head)) return 'avif'
  return undefined
}

/** ISO-BMFF: the ftyp box lists a major brand at 8 and compatible brands from 16 to the box's end. */
function hasAvifBrand(head: Uint8Array): boolean {
  const boxEnd = Math.min(head.length, Buffer.from(head).readUInt32BE(0))
  const brands = [ascii(head, 8, 12)]
  for (let at = 16; at + 4 <= boxEnd; at += 4) brands.push(ascii(head, at, at + 4))
  return brands.includes('avif') || brands.includes('avis')
}
