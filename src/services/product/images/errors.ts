import { declareError, payloadTooLarge, type AppError } from '../../../platform/errors.js'

/**
 * Every refusal of the image pipeline, declared once (codes are API: never
 * renamed). A client tells a bad file (4xx: change the file) from a busy
 * server (503: retry).
 */

/** Not one of the formats we decode, judged from the bytes, never the name: SVG, text, HEIC, TIFF... */
export const unsupportedImageType = declareError('UNSUPPORTED_IMAGE_TYPE', 415, 'The file is not a JPEG, PNG, WebP, AVIF or GIF image')

/** More pixels than we decode: refused from the header, before any decoding (decompression bombs). */
export const imageTooLarge = declareError('IMAGE_TOO_LARGE', 422, (maxPixels: number) => `The image has more than ${Math.round(maxPixels / 1e6)} megapixels`)

/** The header says image but the pixels do not decode: truncated or corrupt. */
export const invalidImage = declareError('INVALID_IMAGE', 422, 'The image is truncated or corrupt')

export const imageQueueFull = declareError('IMAGE_QUEUE_FULL', 503, 'Too many images are waiting to be processed; try again shortly', {
  headers: { 'retry-after': '5' },
})

/** The platform's code for any body over its limit, so a client handles one. */
export const imageFileTooLarge = (maxBytes: number) => payloadTooLarge(`Image files are limited to ${Math.floor(maxBytes / 1024 / 1024)} MB`)

/** The refusals the worker reports by code (an Error's own fields do not survive the thread boundary). */
export type WorkerRefusal = 'UNSUPPORTED_IMAGE_TYPE' | 'IMAGE_TOO_LARGE' | 'INVALID_IMAGE'

export function refusalError(code: WorkerRefusal, maxPixels: number): AppError {
  if (code === imageTooLarge.code) return imageTooLarge(maxPixels)
  if (code === invalidImage.code) return invalidImage()
  return unsupportedImageType()
}
