import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ApiError } from '../api-client.js'
import type { AdminImage, Category, Page, Product } from '../api-types.js'
import { apiFor, formText, queryText, sendPage, type Shop } from '../context.js'
import { parsePrice } from '../format.js'
import { messageFor } from '../messages.js'
import { categoriesPage, dealsPage, productFormPage, productsPage, type Messages, type ProductForm } from '../views/admin-catalog.js'
import { registerAdminImagePages } from './admin-images.js'
import { invalidDealForm, invalidPrice, invalidStock, notFound } from '../errors.js'

export const ID = /^[1-9][0-9]{0,14}$/

export function idParam(req: FastifyRequest): number {
  const id = (req.params as { id: string }).id
  if (!ID.test(id)) throw notFound('item')
  return Number(id)
}

/** "Ergonomic Desk Chair" -> "ergonomic-desk-chair" (when the admin leaves the slug empty). */
function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 120)
}

function productForm(req: FastifyRequest): ProductForm {
  const form: ProductForm = {}
  for (const f of ['name', 'slug', 'description', 'price', 'currency', 'categoryId', 'stock'] as const) form[f] = formText(req, f)
  return form
}

/** The API body of a product form; on create every field, on edit the ones that changed are sent anyway (PATCH is idempotent). */
function productBody(form: ProductForm, creating: boolean) {
  const amount = parsePrice(form.price)
  if (amount === undefined) throw invalidPrice()
  const body: Record<string, unknown> = {
    name: form.name,
    slug: form.slug || slugify(form.name ?? ''),
    description: form.description ?? '',
    price: { amount, currency: (form.currency || 'USD').toUpperCase() },
    categoryId: form.categoryId && ID.test(form.categoryId) ? Number(form.categoryId) : null,
  }
  if (creating) body.stock = form.stock && /^\d+$/.test(form.stock) ? Number(form.stock) : 0
  return body
}

/** Products (create, edit, stock, delete, images), categories and deals, through the admin catalog API. */
export function registerAdminCatalogPages(admin: FastifyInstance, shop: Shop) {
  const categoriesOf = async (req: FastifyRequest) => (await apiFor(shop, req)<{ items: Category[] }>({ method: 'GET', path: '/api/categories' })).body.items

  admin.get('/products', async (req, reply) => {
    const q = queryText(req, 'q')
    const page = (await apiFor(shop, req)<Page<Product>>({ method: 'GET', path: '/api/products', query: { q, limit: 50, cursor: queryText(req, 'cursor') } })).body
    return sendPage(shop, req, reply, (v) => productsPage(v, page, q))
  })

  admin.get('/products/new', async (req, reply) => {
    const tree = await categoriesOf(req)
    return sendPage(shop, req, reply, (v) => productFormPage(v, tree, { currency: 'USD', stock: '0' }))
  })

  admin.post('/products', async (req, reply) => {
    const form = productForm(req)
    try {
      const product = (await apiFor(shop, req)<Product>({ method: 'POST', path: '/api/products', body: productBody(form, true) })).body
      return reply.redirect(`/admin/products/${product.id}?saved=1`, 303)
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500 || err.status === 401) throw err
      const tree = await categoriesOf(req)
      return sendPage(shop, req, reply, (v) => productFormPage(v, tree, form, undefined, { error: messageFor(err) }), err.status)
    }
  })

  admin.get('/products/:id', async (req, reply) => {
    const notice = queryText(req, 'saved') === '1' ? 'Saved.' : queryText(req, 'uploaded') === '1' ? 'Uploaded. The image shows in the shop once it is processed (a few seconds): reload this page to see its status.' : undefined
    return showProduct(req, reply, idParam(req), notice ? { notice } : {})
  })

  admin.post('/products/:id/:action', async (req, reply) => {
    const id = idParam(req)
    const action = (req.params as { action: string }).action
    const api = apiFor(shop, req)
    try {
      if (action === 'edit') await api({ method: 'PATCH', path: `/api/products/${id}`, body: productBody(productForm(req), false) })
      else if (action === 'stock') {
        const stock = formText(req, 'stock')
        if (!/^\d{1,10}$/.test(stock)) throw invalidStock()
        await api({ method: 'PUT', path: `/api/products/${id}/stock`, body: { stock: Number(stock) } })
      } else if (action === 'delete') {
        await api({ method: 'DELETE', path: `/api/products/${id}` })
        return reply.redirect('/admin/products', 303)
      } else throw notFound('action')
      return reply.redirect(formText(req, 'back') === 'list' ? '/admin/products' : `/admin/products/${id}?saved=1`, 303)
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500 || err.status === 401 || err.code === 'PRODUCT_NOT_FOUND') throw err
      return showProduct(req, reply, id, { error: messageFor(err) }, err.status, action === 'edit' ? productForm(req) : undefined)
    }
  })

  /** The product's admin page (its form, stock, images); `form`: what the admin sent, shown again after a refusal. */
  async function showProduct(req: FastifyRequest, reply: FastifyReply, id: number, m: Messages, status = 200, form?: ProductForm) {
    const api = apiFor(shop, req)
    const [product, images, tree] = await Promise.all([
      api<Product>({ method: 'GET', path: `/api/products/${id}` }),
      api<{ items: AdminImage[] }>({ method: 'GET', path: `/api/products/${id}/images` }),
      categoriesOf(req),
    ])
    const p = product.body
    const shown: ProductForm = form ?? { name: p.name, slug: p.slug, description: p.description, price: (p.price.amount / 100).toFixed(2), currency: p.price.currency, categoryId: p.category ? String(p.category.id) : '' }
    return sendPage(shop, req, reply, (v) => productFormPage(v, tree, shown, { product: p, images: images.body.items, maxBytes: shop.imageMaxBytes }, m), status)
  }

  registerAdminImagePages(admin, shop, showProduct)

  admin.get('/categories', async (req, reply) => {
    const tree = await categoriesOf(req)
    return sendPage(shop, req, reply, (v) => categoriesPage(v, tree, queryText(req, 'saved') === '1' ? { notice: 'Saved.' } : {}))
  })

  /** A write, then back to its list page; a refusal shows the list again with the reason. */
  function writeThen(list: 'categories' | 'deals', write: (req: FastifyRequest) => Promise<unknown>) {
    return async (req: FastifyRequest, reply: Parameters<typeof sendPage>[2]) => {
      try {
        await write(req)
        return reply.redirect(`/admin/${list}?saved=1`, 303)
      } catch (err) {
        if (!(err instanceof ApiError) || err.status >= 500 || err.status === 401) throw err
        const error = { error: messageFor(err) }
        if (list === 'categories') {
          const tree = await categoriesOf(req)
          return sendPage(shop, req, reply, (v) => categoriesPage(v, tree, error), err.status)
        }
        const deals = await dealsOf(req)
        return sendPage(shop, req, reply, (v) => dealsPage(v, deals, error), err.status)
      }
    }
  }
  const dealsOf = async (req: FastifyRequest) => (await apiFor(shop, req)<Page<Product>>({ method: 'GET', path: '/api/deals', query: { limit: 100 } })).body.items

  admin.post('/categories', writeThen('categories', async (req) => {
    const name = formText(req, 'name')
    const parentId = formText(req, 'parentId')
    await apiFor(shop, req)({ method: 'POST', path: '/api/categories', body: { name, slug: formText(req, 'slug') || slugify(name), parentId: ID.test(parentId) ? Number(parentId) : null } })
  }))

  admin.post('/categories/:id/:action', writeThen('categories', async (req) => {
    const id = idParam(req)
    const action = (req.params as { action: string }).action
    if (action === 'rename') await apiFor(shop, req)({ method: 'PATCH', path: `/api/categories/${id}`, body: { name: formText(req, 'name') } })
    else if (action === 'delete') await apiFor(shop, req)({ method: 'DELETE', path: `/api/categories/${id}` })
    else throw notFound('action')
  }))

  admin.get('/deals', async (req, reply) => {
    const deals = await dealsOf(req)
    return sendPage(shop, req, reply, (v) => dealsPage(v, deals, queryText(req, 'saved') === '1' ? { notice: 'Saved.' } : {}))
  })

  admin.post('/deals', writeThen('deals', async (req) => {
    const productId = formText(req, 'productId')
    const percent = formText(req, 'discountPercent')
    const days = formText(req, 'days')
    if (!ID.test(productId) || !/^\d{1,2}$/.test(percent) || !/^\d{1,3}$/.test(days)) throw invalidDealForm()
    const startsAt = new Date()
    const endsAt = new Date(startsAt.getTime() + Number(days) * 24 * 3600 * 1000)
    await apiFor(shop, req)({
      method: 'POST',
      path: '/api/deals',
      body: { productId: Number(productId), title: formText(req, 'title'), discountPercent: Number(percent), startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() },
    })
  }))

  admin.post('/deals/:id/delete', writeThen('deals', async (req) => {
    await apiFor(shop, req)({ method: 'DELETE', path: `/api/deals/${idParam(req)}` })
  }))
}
