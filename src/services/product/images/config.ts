import path from 'node:path'
import { Type, type Static } from '@sinclair/typebox'

/**
 * The image pipeline's settings; the product service's config composes them.
 * Defaults fit this 2-core machine: one image thread leaves a core to the event loop.
 */
export const imageConfig = Type.Object({
  IMAGES_DIR: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'Where variants are written: shared by every instance, served by nginx in production, so readable by its workers (not under DATA_DIR). Default <DATA_DIR>/images; prod:start: <PROD_DIR>/images.',
    }),
  ),
  IMAGES_BASE_URL: Type.String({ default: '/images', minLength: 1, description: 'Where IMAGES_DIR is served from (a path, or a CDN origin).' }),
  IMAGE_WORKERS: Type.Integer({ minimum: 1, maximum: 16, default: 1, description: 'Worker threads that run sharp.' }),
  IMAGE_QUEUE_MAX: Type.Integer({ minimum: 0, default: 32, description: 'Images waiting for a thread before uploads get 503 IMAGE_QUEUE_FULL.' }),
  IMAGE_MAX_BYTES: Type.Integer({ minimum: 1024, default: 10 * 1024 * 1024 }),
  IMAGE_MAX_PIXELS: Type.Integer({ minimum: 1, default: 40_000_000, description: 'Larger images are refused from their header, never decoded.' }),
  /** 0-9; 2 keeps one photo's nine variants near a second here, 4 (sharp's default) takes ~5x longer for ~5% smaller files. */
  IMAGE_AVIF_EFFORT: Type.Integer({ minimum: 0, maximum: 9, default: 2 }),
  /** 19: images take only the CPU the API leaves (measured: p99 x1.1 under image work, x1.7 at 10, x2.2 at 0). */
  IMAGE_THREAD_NICE: Type.Integer({
    minimum: 0,
    maximum: 19,
    default: 19,
    description: 'Nice value of the threads that work on pixels (Linux): the event loop comes first on a busy core. 0 to leave them be.',
  }),
})

export type ImageConfig = Static<typeof imageConfig>

export function imagesDirOf(config: Pick<ImageConfig, 'IMAGES_DIR'> & { DATA_DIR: string }): string {
  return path.resolve(config.IMAGES_DIR ?? path.join(config.DATA_DIR, 'images'))
}
