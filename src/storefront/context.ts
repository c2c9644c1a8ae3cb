import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ApiCall, ApiClient, ApiAnswer } from './api-client.js'
import type { Category } from './api-types.js'
import type { Assets } from './assets.js'
import type { Sessions, ShopSession } from './session.js'
import { layout, type PageContent, type ViewContext } from './views/layout.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route checks the form's CSRF token itself (a streamed multipart form: there is no parsed body when hooks run). */
    csrfInHandler?: boolean
  }
  interface FastifyRequest {
    /** The storefront's view of the browser session (set on storefront routes only). */
    shop: ShopSession
  }
}

/** What the storefront's routes share: the API, sessions and the static files. */
export interface Shop {
  api: ApiClient
  sessions: Sessions
  assets: Assets
  shopName: string
  /** The embedded shop's mailbox exists (no SMTP_URL): the admin area links to it. */
  devMail: boolean
  /** /docs is served (API_DOCS): the footer links it. */
  apiDocs: boolean
  /** The product service's upload limit (IMAGE_MAX_BYTES): the upload form passes on no more. */
  imageMaxBytes: number
}

export type Api = <T>(call: ApiCall) => Promise<ApiAnswer<T>>

/** API calls on behalf of this request's shopper: their address (rate limits), request id and access token. */
export function apiFor(shop: Shop, req: FastifyRequest): Api {
  return (call) =>
    shop.api.call({
      clientIp: req.ip,
      requestId: req.id,
      ...(req.shop?.accessToken ? { accessToken: req.shop.accessToken } : {}),
      ...call,
    })
}

export async function viewContext(shop: Shop, req: FastifyRequest, reply: FastifyReply): Promise<ViewContext> {
  let categories: Category[] = []
  try {
    categories = (await apiFor(shop, req)<{ items: Category[] }>({ method: 'GET', path: '/api/categories' })).body.items
  } catch {
    // The navigation is a convenience: a page still renders without it.
  }
  const q = (req.query as Record<string, unknown> | undefined)?.q
  return {
    shopName: shop.shopName,
    apiDocs: shop.apiDocs,
    identity: req.shop?.identity ?? null,
    cartCount: req.shop?.cartCount ?? 0,
    csrf: reply.generateCsrf(),
    assets: shop.assets,
    url: req.url,
    categories,
    ...(typeof q === 'string' ? { query: q } : {}),
  }
}

export function sendHtml(reply: FastifyReply, body: { toString(): string }, status = 200) {
  return reply.code(status).type('text/html; charset=utf-8').send(body.toString())
}

/** Renders a page: the view gets the context (for its forms' CSRF token and links), the layout wraps it. */
export async function sendPage(shop: Shop, req: FastifyRequest, reply: FastifyReply, build: (v: ViewContext) => PageContent, status = 200) {
  const v = await viewContext(shop, req, reply)
  return sendHtml(reply, layout(v, build(v)), status)
}

/** One text field of a form body (urlencoded), trimmed; '' when absent. */
export function formText(req: FastifyRequest, name: string): string {
  const value = (req.body as Record<string, unknown> | undefined)?.[name]
  return typeof value === 'string' ? value.trim() : ''
}

/** The raw value (passwords are not trimmed). */
export function formRaw(req: FastifyRequest, name: string): string {
  const value = (req.body as Record<string, unknown> | undefined)?.[name]
  return typeof value === 'string' ? value : ''
}

export function queryText(req: FastifyRequest, name: string): string | undefined {
  const value = (req.query as Record<string, unknown> | undefined)?.[name]
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
}

/** An enhanced (JavaScript) request that wants JSON back instead of a page. */
export function wantsJson(req: FastifyRequest): boolean {
  return (req.headers.accept ?? '').startsWith('application/json')
}

/** A local path to go back to after signing in; anything else (another site, //host) becomes '/'. */
export function safeNext(value: string | undefined): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/'
  return value
}

export function redirectToSignIn(req: FastifyRequest, reply: FastifyReply) {
  const next = req.method === 'GET' ? req.url : '/'
  return reply.redirect(`/account/sign-in?next=${encodeURIComponent(next)}`, 303)
}
