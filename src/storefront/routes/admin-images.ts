import { randomBytes } from 'node:crypto'
import multipart, { type Multipart, type MultipartFile } from '@fastify/multipart'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ApiError } from '../api-client.js'
import type { AdminImage } from '../api-types.js'
import { apiFor, type Shop } from '../context.js'
import { imageFormInvalid, imageTooBig, notFound } from '../errors.js'
import { messageFor } from '../messages.js'
import type { Messages } from '../views/admin-catalog.js'
import { idParam } from './admin-catalog.js'

type ShowProduct = (req: FastifyRequest, reply: FastifyReply, id: number, m: Messages, status?: number) => Promise<unknown>

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

function imageParam(req: FastifyRequest): string {
  const imageId = (req.params as { imageId: string }).imageId
  if (!UUID.test(imageId)) throw notFound('image')
  return imageId
}

/**
 * A product's images in the admin pages: upload (the browser's form passed on
 * to `POST /api/products/:id/images` as a stream), delete, and "show first"
 * (reorder). Every refusal shows the product's page again with the reason.
 */
export function registerAdminImagePages(admin: FastifyInstance, shop: Shop, showProduct: ShowProduct) {
  const limit = `${Math.round((shop.imageMaxBytes / (1024 * 1024)) * 10) / 10} MB`

  void admin.register(async (scope) => {
    // Stream mode (the default): parts are read one by one, the file passes through as it arrives.
    // One byte over the API's limit is enough to know a file is too large; the form has no other parts.
    await scope.register(multipart, { limits: { fileSize: shop.imageMaxBytes + 1, files: 1, fields: 2, parts: 3, fieldSize: 4096, fieldNameSize: 100, headerPairs: 20 } })

    scope.post('/products/:id/images', { config: { csrfInHandler: true } }, async (req, reply) => {
      const id = idParam(req)
      const api = apiFor(shop, req)
      let refusal: Error | undefined
      try {
        if (!req.isMultipart()) throw imageFormInvalid('Send the image with the upload form.')
        const parts = formParts(req)
        const first = (await parts.next()).value as Multipart | undefined
        // The token is the form's first field, checked before anything else is read. A refusal (403 page,
        // sent by the plugin) closes the connection rather than reading the file.
        req.body = { _csrf: first?.type === 'field' && first.fieldname === '_csrf' ? String(first.value) : '' }
        let checked = false
        reply.header('connection', 'close')
        admin.csrfProtection(req, reply, () => void (checked = true))
        if (!checked) {
          req.raw.resume()
          return reply
        }
        reply.removeHeader('connection')
        let alt = ''
        for (;;) {
          const next = await parts.next()
          if (next.done) throw imageFormInvalid('Please choose an image file.')
          const part = next.value
          if (part.type === 'field' && part.fieldname === 'alt') alt = String(part.value)
          else if (part.type === 'file' && part.fieldname === 'file') {
            if (!part.filename) throw imageFormInvalid('Please choose an image file.')
            const form = passOn(alt, part, shop.imageMaxBytes, (err) => (refusal = err), () => imageTooBig(limit))
            await api<AdminImage>({ method: 'POST', path: `/api/products/${id}/images`, stream: form })
            break
          } else throw imageFormInvalid('The form has a field it should not have.')
        }
        return reply.redirect(`/admin/products/${id}?uploaded=1`, 303)
      } catch (err) {
        const cause = refusal ?? err
        if (!req.raw.readableEnded) reply.header('connection', 'close')
        req.raw.resume()
        if (!(cause instanceof ApiError) || cause.status >= 500 || cause.status === 401 || cause.code === 'PRODUCT_NOT_FOUND') throw cause
        return showProduct(req, reply, id, { error: messageFor(cause) }, cause.status)
      }
    })
  })

  admin.post('/products/:id/images/:imageId/:action', async (req, reply) => {
    const id = idParam(req)
    const imageId = imageParam(req)
    const action = (req.params as { action: string }).action
    const api = apiFor(shop, req)
    try {
      if (action === 'delete') await api({ method: 'DELETE', path: `/api/products/${id}/images/${imageId}` })
      else if (action === 'first') {
        const { items } = (await api<{ items: AdminImage[] }>({ method: 'GET', path: `/api/products/${id}/images` })).body
        const ids = items.sort((a, b) => a.position - b.position).map((i) => i.id)
        if (!ids.includes(imageId)) throw notFound('image')
        await api({ method: 'PUT', path: `/api/products/${id}/images/order`, body: { ids: [imageId, ...ids.filter((i) => i !== imageId)] } })
      } else throw notFound('action')
      return reply.redirect(`/admin/products/${id}?saved=1`, 303)
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500 || err.status === 401 || err.code === 'PRODUCT_NOT_FOUND') throw err
      return showProduct(req, reply, id, { error: messageFor(err) }, err.status)
    }
  })
}

/** The form's parts in order; a body that is not well-formed multipart is the client's mistake (400), as the API says. */
async function* formParts(req: FastifyRequest): AsyncGenerator<Multipart> {
  const parts = req.parts()[Symbol.asyncIterator]()
  for (;;) {
    let next: IteratorResult<Multipart>
    try {
      next = await parts.next()
    } catch (err) {
      if (err instanceof ApiError || typeof (err as { statusCode?: unknown }).statusCode === 'number') throw err
      throw imageFormInvalid('The form could not be read. Please send it again.')
    }
    if (next.done) return
    yield next.value
  }
}

/**
 * The API's form, written as the file arrives: the alt field, then the file.
 * Never more than `maxBytes` of the file: past it the stream fails with the
 * storefront's own refusal (413), which the route then shows.
 */
function passOn(alt: string, part: MultipartFile, maxBytes: number, refused: (err: Error) => void, tooBig: () => Error) {
  const boundary = `----emporium-${randomBytes(12).toString('hex')}`
  async function* bytes() {
    yield Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="alt"\r\n\r\n`)
    yield Buffer.from(alt, 'utf8')
    yield Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="upload"\r\nContent-Type: application/octet-stream\r\n\r\n`)
    let seen = 0
    for await (const chunk of part.file as AsyncIterable<Buffer>) {
      seen += chunk.length
      if (seen > maxBytes || part.file.truncated) {
        const err = tooBig()
        refused(err)
        throw err
      }
      yield chunk
    }
    yield Buffer.from(`\r\n--${boundary}--\r\n`)
  }
  return { contentType: `multipart/form-data; boundary=${boundary}`, bytes: bytes() }
}
