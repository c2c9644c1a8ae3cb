import { AppError } from '../../../platform/errors.js'

/**
 * Every refusal of the image pipeline, declared once. Codes are API: a client
 * tells a bad file (4xx, change the file) from a busy server (503, retry).
 */

/** Not one of the formats we decode (judged from the bytes, never the name): SVG, text, HEIC, TIFF... */
export const unsupportedImageType = () =>
  new AppError('UNSUPPORTED_IMAGE_TYPE', 'the file is not a JPEG, PNG, WebP, AVIF or GIF image', 415)

/** More pixels than we decode: refused from the header, before any decoding (decompression bombs). */
export const imageTooLarge = (maxPixels: number) =>
  new AppError('IMAGE_TOO_LARGE', `the image has more than ${Math.round(maxPixels / 1e6)} megapixels`, 422)

/** The header says image but the pixels do not decode: truncated or corrupt. */
export const invalidImage = () => new AppError('INVALID_IMAGE', 'the image is truncated or corrupt', 422)

/** The same code the server gives any body over its limit, so a client handles one. */
export const imageFileTooLarge = (maxBytes: number) =>
  new AppError('PAYLOAD_TOO_LARGE', `image files are limited to ${Math.floor(maxBytes / 1024 / 1024)} MB`, 413)

export const imageQueueFull = () =>
  new AppError('IMAGE_QUEUE_FULL', 'too many images are waiting to be processed; try again shortly', 503, { 'retry-after': '5' })

/** The refusals the worker reports by code (an Error's own fields do not survive the thread boundary). */
export type WorkerRefusal = 'UNSUPPORTED_IMAGE_TYPE' | 'IMAGE_TOO_LARGE' | 'INVALID_IMAGE'

export function refusalError(code: WorkerRefusal, maxPixels: number): AppError {
  if (code === 'IMAGE_TOO_LARGE') return imageTooLarge(maxPixels)
  if (code === 'INVALID_IMAGE') return invalidImage()
  return unsupportedImageType()
}
