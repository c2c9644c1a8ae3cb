import { randomBytes } from 'node:crypto'
import cookie from '@fastify/cookie'
import csrf from '@fastify/csrf-protection'
import formbody from '@fastify/formbody'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { securityHeaders } from '../platform/security-headers.js'
import { ApiError, createHttpApiClient, createInjectApiClient, type ApiClient } from './api-client.js'
import { registerAssets } from './assets.js'
import { loadStorefrontConfig, type StorefrontConfig } from './config.js'
import { redirectToSignIn, sendPage, type Shop } from './context.js'
import { messageFor } from './messages.js'
import { registerAccountPages } from './routes/account.js'
import { registerAdminPages } from './routes/admin.js'
import { registerCartPages } from './routes/cart.js'
import { registerCatalogPages } from './routes/catalog.js'
import { registerOrderPages } from './routes/orders.js'
import { createSessions } from './session.js'
import { errorPage } from './views/errors.js'

/**
 * The storefront and the admin area: server-rendered pages (browsing works
 * without JavaScript) plus a small script for suggestions and add-to-cart
 * without a reload. An encapsulated plugin: its cookies, form parsing, CSRF
 * checks, stricter Content-Security-Policy and HTML error pages apply to its
 * routes only, never to the API's.
 */

// Stricter than the app's global policy (which allows inline styles for /docs): no inline script or style at all.
// Computed once, by helmet like the platform's other headers (src/platform/security-headers.ts), which every page keeps.
// Product pictures come from IMAGES_BASE_URL: this site's /images, or a CDN's origin, which the policy then names.
function pagePolicy(imagesBaseUrl: string | undefined): string {
  const imageOrigin = imagesBaseUrl && /^https?:\/\//.test(imagesBaseUrl) ? [new URL(imagesBaseUrl).origin] : []
  return securityHeaders({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', ...imageOrigin],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
  })['content-security-policy']!
}

const AUTH_CODES = new Set(['AUTH_REQUIRED', 'INVALID_TOKEN', 'TOKEN_EXPIRED', 'USER_NOT_FOUND'])

export interface StorefrontOptions {
  env: NodeJS.ProcessEnv
  /** The server the services are mounted on, when they run in this process (its routes are called in process). */
  server?: FastifyInstance
  /** The API over HTTP, when the storefront runs apart (server.ts). */
  api?: ApiClient
}

export async function storefront(app: FastifyInstance, options: StorefrontOptions) {
  const { env } = options
  const config = loadStorefrontConfig(env)
  const csp = pagePolicy(env.IMAGES_BASE_URL)
  const api = options.api ?? apiClientOf(config, options.server)
  await app.register(cookie, { secret: config.STOREFRONT_COOKIE_SECRET ?? randomBytes(32).toString('base64url') })
  await app.register(formbody, { bodyLimit: 64 * 1024 })
  await app.register(csrf, { cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true, secure: 'auto', signed: true } })

  const shop: Shop = {
    api,
    sessions: createSessions(api, config),
    assets: await registerAssets(app),
    shopName: config.shopName,
    devMail: !config.realEmail,
    apiDocs: config.API_DOCS,
    imageMaxBytes: config.IMAGE_MAX_BYTES,
  }

  app.decorateRequest('shop', null as never)
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.url.startsWith('/assets/')) return payload
    reply.header('content-security-policy', csp)
    if (req.method === 'GET' || req.method === 'HEAD') reply.header('cache-control', 'private, no-cache')
    return payload
  })
  app.addHook('preHandler', async (req, reply) => {
    if (req.url.startsWith('/assets/')) return
    req.shop = await shop.sessions.load(req, reply)
  })
  // Every cookie-authenticated form carries the token of the page it came from (after the body is parsed).
  app.addHook('preHandler', (req, reply, done) => {
    if (req.method !== 'POST' || req.routeOptions.config.csrfInHandler) return done()
    app.csrfProtection(req, reply, done)
  })
  app.setErrorHandler((err: FastifyError | ApiError, req, reply) => handleError(shop, err, req, reply))

  registerCatalogPages(app, shop)
  registerCartPages(app, shop)
  registerAccountPages(app, shop)
  registerOrderPages(app, shop)
  registerAdminPages(app, shop)
}

function apiClientOf(config: StorefrontConfig, server: FastifyInstance | undefined): ApiClient {
  const url = config.STOREFRONT_API_URL
  if (url) return createHttpApiClient(() => url, config.STOREFRONT_API_TIMEOUT_MS)
  if (!server) throw new Error('the storefront needs the services in its process, STOREFRONT_API_URL, or an API client')
  return createInjectApiClient(server)
}

async function handleError(shop: Shop, err: FastifyError | ApiError, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof ApiError && AUTH_CODES.has(err.code)) {
    shop.sessions.signOut(req, reply)
    return redirectToSignIn(req, reply)
  }
  let status: number
  let message: string
  if (err instanceof ApiError) {
    status = err.status >= 500 ? 503 : err.status
    message = messageFor(err)
    if (err.status >= 500) req.log.error({ err }, 'storefront: the API failed')
  } else if (err.code === 'FST_CSRF_INVALID_TOKEN' || err.code === 'FST_CSRF_MISSING_SECRET') {
    status = 403
    message = 'This form has expired (or was sent from another site). Please go back, reload the page and try again.'
  } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    status = err.statusCode
    message = status === 413 ? 'What you sent is too large.' : 'The request was not understood.'
  } else {
    req.log.error({ err }, 'storefront: page failed')
    status = 500
    message = `Something went wrong on our side. Please try again in a moment (reference ${req.id}).`
  }
  if ((req.headers.accept ?? '').startsWith('application/json')) return reply.code(status).send({ error: { code: err instanceof ApiError ? err.code : 'ERROR', message } })
  try {
    return await sendPage(shop, req, reply, (v) => errorPage(v, status, message), status)
  } catch {
    return reply.code(status).type('text/plain; charset=utf-8').send(message)
  }
}
