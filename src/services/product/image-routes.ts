import { mkdir } from 'node:fs/promises'
import fastifyStatic from '@fastify/static'
import multipart, { type Multipart } from '@fastify/multipart'
import { Type } from '@sinclair/typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { registerIdentity, requireAdmin } from '../../platform/auth/identity.js'
import type { TokenVerifier } from '../../platform/auth/token-verifier.js'
import { AppError, badRequest, unsupportedMediaType, validationFailed } from '../../platform/errors.js'
import type { App } from '../../platform/server.js'
import { describeValidation, validatorCompiler } from '../../platform/validation.js'
import type { ReceivedUpload } from './images/image-files.js'
import type { Images } from './images/images.js'
import { imageViewSchema } from './images/image-view.js'
import { IMMUTABLE_CACHE_CONTROL, isContentHash } from './images/variants.js'
import * as flows from './product-images.js'
import { adminImage, type ImageDeps } from './product-images.js'
import * as S from './schemas.js'

/**
 * A product's images, for the `admin` role: upload (multipart, 202 while the
 * variants are made), list with statuses, alt text, order, delete. And the
 * variant files themselves, when this process serves them (embedded mode).
 */

const Alt = Type.String({ maxLength: 300, description: 'What the picture shows, for people who cannot see it.' })
const ProductId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })
const ImageId = Type.String({ format: 'uuid' })
const ProductParams = Type.Object({ id: ProductId }, { additionalProperties: false })
const ImageParams = Type.Object({ id: ProductId, imageId: ImageId }, { additionalProperties: false })
const AltBody = Type.Object({ alt: Alt }, { additionalProperties: false })
const OrderBody = Type.Object({ ids: Type.Array(ImageId, { minItems: 1, maxItems: 1000, description: 'Every image id of the product, in the new order.' }) }, { additionalProperties: false })

/** The form, as documented (multipart/form-data) and as checked: its fields by this schema, the file by its bytes. */
const UploadForm = Type.Object(
  {
    alt: Type.Optional(Alt),
    file: Type.String({ contentMediaType: 'application/octet-stream', description: 'A JPEG, PNG, WebP, AVIF or GIF file (its bytes decide, not its name), at most IMAGE_MAX_BYTES.' }),
  },
  { additionalProperties: false },
)
const FormFields = Type.Object({ alt: Type.Optional(Alt) }, { additionalProperties: false })
const checkFields = validatorCompiler({ schema: FormFields, method: 'POST', url: '/products/:id/images', httpPart: 'body' }) as ((v: unknown) => boolean) & {
  errors?: Parameters<typeof describeValidation>[0]
}

const AdminImage = Type.Object({
  id: Type.String(),
  alt: Type.String(),
  position: Type.Integer(),
  status: Type.Union([Type.Literal('processing'), Type.Literal('ready'), Type.Literal('failed')]),
  errorCode: Type.Union([Type.String(), Type.Null()], { description: 'Why a failed image failed (IMAGE_INTERRUPTED, INTERNAL).' }),
  width: Type.Union([Type.Integer(), Type.Null()], { description: "The original's, after EXIF orientation." }),
  height: Type.Union([Type.Integer(), Type.Null()]),
  variants: Type.Union([imageViewSchema.properties.variants, Type.Null()], { description: 'Once ready.' }),
  createdAt: Type.String({ format: 'date-time' }),
})
const AdminImageList = Type.Object({ items: Type.Array(AdminImage) })

const errors = { 400: S.ErrorResponse, 401: S.ErrorResponse, 403: S.ErrorResponse, 404: S.ErrorResponse, 429: S.ErrorResponse }
const uploadErrors = { ...errors, 413: S.ErrorResponse, 415: S.ErrorResponse, 422: S.ErrorResponse, 503: S.ErrorResponse }
const admin = { preValidation: requireAdmin }
const doc = (summary: string) => ({ tags: ['catalog admin'], summary, security: [{ bearer: [] }] })

export async function adminImageRoutes(app: App, { deps, tokens, maxBytes }: { deps: ImageDeps; tokens: TokenVerifier; maxBytes: number }) {
  registerIdentity(app, tokens)
  // Our own limit (IMAGE_MAX_BYTES, while the file streams) answers first; these bound the rest of the form.
  await app.register(multipart, { limits: { fileSize: maxBytes + 1, files: 1, fields: 1, parts: 2, fieldSize: 4096, fieldNameSize: 100, headerPairs: 20 } })
  const view = (r: Parameters<typeof adminImage>[0]) => adminImage(r, deps.imagesBaseUrl)
  const location = (productId: number, imageId: string) => `/api/products/${productId}/images/${imageId}`

  app.post(
    '/products/:id/images',
    {
      ...admin,
      // The form is read by the handler, after the role check: nothing is read for a customer.
      validatorCompiler: (route) => (route.httpPart === 'body' ? acceptStreamedForm(route) : validatorCompiler(route)),
      schema: {
        ...doc('Upload an image (multipart/form-data: an optional alt field, then the file); 202 while its variants are made'),
        consumes: ['multipart/form-data'],
        params: ProductParams,
        body: UploadForm,
        response: { 202: AdminImage, ...uploadErrors },
      },
    },
    async (req, reply) => {
      if (!req.isMultipart()) throw unsupportedMediaType('Send the image as multipart/form-data: an optional alt field, then the file')
      await flows.assertCanUpload(deps, req.params.id)
      const form = await readForm(req, reply, deps.images)
      const row = await flows.addImage(deps, req.params.id, form.alt, form.upload)
      return reply.code(202).header('location', location(req.params.id, row.id)).send(view(row))
    },
  )

  app.get(
    '/products/:id/images',
    { ...admin, schema: { ...doc("A product's images, with their status"), params: ProductParams, response: { 200: AdminImageList, ...errors } } },
    async (req) => ({ items: (await flows.listImages(deps, req.params.id)).map(view) }),
  )

  app.get(
    '/products/:id/images/:imageId',
    { ...admin, schema: { ...doc('One image of a product, with its status'), params: ImageParams, response: { 200: AdminImage, ...errors } } },
    async (req) => view(await flows.getImage(deps, req.params.id, req.params.imageId)),
  )

  app.patch(
    '/products/:id/images/:imageId',
    { ...admin, schema: { ...doc("Change an image's alt text"), params: ImageParams, body: AltBody, response: { 200: AdminImage, ...errors } } },
    async (req) => view(await flows.setAlt(deps, req.params.id, req.params.imageId, req.body.alt)),
  )

  app.put(
    '/products/:id/images/order',
    { ...admin, schema: { ...doc("Reorder a product's images (the first is the product's main picture)"), params: ProductParams, body: OrderBody, response: { 200: AdminImageList, ...errors } } },
    async (req) => ({ items: (await flows.reorderImages(deps, req.params.id, req.body.ids)).map(view) }),
  )

  app.delete(
    '/products/:id/images/:imageId',
    { ...admin, schema: { ...doc('Delete an image (its files too, unless another image has the same file)'), params: ImageParams, response: { 204: Type.Null(), ...errors } } },
    async (req, reply) => {
      await flows.deleteImage(deps, req.params.id, req.params.imageId)
      return reply.code(204).send(null)
    },
  )
}

/**
 * The upload's body is a stream the handler reads, so Fastify sees none
 * (null): that passes. A body Fastify did parse (JSON, say) is checked
 * against the form's schema as any body is, then refused as not multipart.
 */
function acceptStreamedForm(route: Parameters<typeof validatorCompiler>[0]) {
  const validate = validatorCompiler(route) as ((v: unknown) => boolean) & { errors?: unknown }
  return (body: unknown) => (body === null || body === undefined || validate(body) ? true : { error: validate.errors as Error })
}

/**
 * Reads the form: the alt field (checked by its schema), and the file,
 * streamed to disk by the pipeline. A refusal mid-stream leaves the rest of
 * the body unread: the answer then closes the connection.
 */
async function readForm(req: FastifyRequest, reply: FastifyReply, images: Images): Promise<{ alt: string; upload: ReceivedUpload }> {
  const fields: Record<string, unknown> = {}
  let upload: ReceivedUpload | undefined
  try {
    for await (const part of multipartParts(req)) {
      if (part.type === 'field') {
        if (part.fieldname === 'file') throw validationFailed('body/file must be a file part (with a filename)')
        if (part.valueTruncated) throw validationFailed(`body/${part.fieldname} is too long`)
        fields[part.fieldname] = part.value
        if (!checkFields(fields)) throw validationFailed(describeValidation(checkFields.errors, 'body'))
      } else if (part.fieldname !== 'file') {
        throw validationFailed(`body has unknown field '${part.fieldname}'`)
      } else {
        upload = await images.receive(clientBytes(part.file))
      }
    }
  } catch (err) {
    if (upload) await images.discard(upload)
    if (!req.raw.readableEnded) {
      void reply.header('connection', 'close')
      req.raw.resume()
    }
    throw err
  }
  if (!upload) throw validationFailed("body is missing 'file'")
  return { alt: typeof fields.alt === 'string' ? fields.alt : '', upload }
}

/** The form's parts; a body that is not well-formed multipart is the client's mistake (400 BAD_REQUEST). */
async function* multipartParts(req: FastifyRequest): AsyncGenerator<Multipart> {
  let parts: AsyncIterator<Multipart>
  try {
    parts = req.parts()[Symbol.asyncIterator]()
  } catch (err) {
    throw malformed(err)
  }
  for (;;) {
    let next: IteratorResult<Multipart>
    try {
      next = await parts.next()
    } catch (err) {
      throw malformed(err)
    }
    if (next.done) return
    yield next.value
  }
}

async function* clientBytes(file: AsyncIterable<Uint8Array>) {
  try {
    for await (const chunk of file) yield chunk
  } catch (err) {
    throw malformed(err)
  }
}

function malformed(err: unknown): unknown {
  // Our refusals and the multipart plugin's limits (413, 4xx) already say what they are.
  if (err instanceof AppError || typeof (err as { statusCode?: unknown }).statusCode === 'number') return err
  return badRequest(`The multipart body is malformed: ${(err as Error).message}`)
}

/**
 * Serves IMAGES_DIR under IMAGES_BASE_URL (a path): only variant files
 * (<aa>/<hash>/<width>.<avif|webp|jpg>), never .incoming, .tmp or a manifest;
 * cached for good by browsers and CDNs (a URL's bytes never change); not
 * counted by the per-client limit (a page shows dozens). nginx does the same
 * from disk in production.
 */
export async function serveImageFiles(app: App, dir: string, basePath: string) {
  await mkdir(dir, { recursive: true })
  const VARIANT = /^[1-9][0-9]{0,4}\.(avif|webp|jpg)$/
  await app.register(async (scope: App) => {
    await scope.register(fastifyStatic, {
      root: dir,
      serve: false,
      index: false,
      dotfiles: 'deny',
      cacheControl: false,
      setHeaders: (reply) => void reply.header('cache-control', IMMUTABLE_CACHE_CONTROL),
    })
    scope.get(`${basePath.replace(/\/+$/, '')}/:shard/:hash/:file`, { config: { rateLimit: false }, schema: { hide: true } }, (req, reply) => {
      const { shard, hash, file } = req.params as { shard: string; hash: string; file: string }
      if (!isContentHash(hash) || shard !== hash.slice(0, 2) || !VARIANT.test(file)) return reply.callNotFound()
      return reply.sendFile(`${shard}/${hash}/${file}`)
    })
  })
}
