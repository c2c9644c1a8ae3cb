import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { LRUCache } from 'lru-cache'
import type { JSONWebKeySet } from 'jose'
import { createTokenVerifier, type Identity } from '../platform/auth/token-verifier.js'
import { ApiError, type ApiClient } from './api-client.js'
import type { AuthSession, Cart } from './api-types.js'

/**
 * Browser sessions. The storefront keeps the API's tokens in httpOnly,
 * SameSite=Lax cookies (Secure over HTTPS): the access token until shortly
 * before it expires, the refresh token until its own expiry. A request whose
 * access token is gone or expired refreshes once; requests racing with one
 * refresh token share that one refresh (a second use would count as reuse and
 * end the session). Access tokens are verified here with the public keys the
 * API publishes (JWKS), so roles shown or checked on a page are the signed ones.
 */

export const COOKIES = { access: 'emp_at', refresh: 'emp_rt', cart: 'emp_cart', count: 'emp_n' } as const

export interface ShopSession {
  identity: Identity | null
  accessToken?: string
  cartToken?: string
  /** Units in the cart as last seen (display only: the cart page asks the API). */
  cartCount: number
}

const CART_TOKEN = /^[A-Za-z0-9_-]{43}$/
// The access cookie goes this long before the token expires, so a page never sends an expired one.
const ACCESS_MARGIN_S = 60
const JWKS_REFETCH_MS = 30_000

export function createSessions(api: ApiClient, settings: { AUTH_ISSUER?: string; AUTH_AUDIENCE?: string }) {
  const verifier = createTokenVerifier({ ...(settings.AUTH_ISSUER ? { AUTH_ISSUER: settings.AUTH_ISSUER } : {}), ...(settings.AUTH_AUDIENCE ? { AUTH_AUDIENCE: settings.AUTH_AUDIENCE } : {}) })
  let keysFetchedAt = 0
  let keys: Promise<void> | undefined
  const refreshes = new LRUCache<string, Promise<AuthSession | null>>({ max: 10_000, ttl: 60_000 })

  const fetchKeys = () => {
    keysFetchedAt = Date.now()
    keys = api.call<JSONWebKeySet>({ method: 'GET', path: '/api/auth/.well-known/jwks.json' }).then(
      (answer) => verifier.useLocalKeys(answer.body),
      (err: unknown) => {
        keys = undefined
        throw err
      },
    )
    return keys
  }

  async function verify(token: string): Promise<Identity | null> {
    try {
      await (keys ?? fetchKeys())
      return await verifier.verify(token)
    } catch (err) {
      // A key rotation: fetch the published keys again (not more often than every 30 s).
      if (err instanceof Error && /unknown key/.test(err.message) && Date.now() - keysFetchedAt > JWKS_REFETCH_MS) {
        await fetchKeys()
        return verifier.verify(token).catch(() => null)
      }
      return null
    }
  }

  function refreshOnce(refreshToken: string, req: FastifyRequest): Promise<AuthSession | null> {
    const key = createHash('sha256').update(refreshToken).digest('base64url')
    let pending = refreshes.get(key)
    if (!pending) {
      pending = api
        .call<AuthSession>({ method: 'POST', path: '/api/auth/refresh', body: { refreshToken }, clientIp: req.ip, requestId: req.id })
        .then((a) => a.body)
        .catch((err: unknown) => {
          // A refused refresh token ends the session; a busy or unreachable API does not.
          if (err instanceof ApiError && err.status === 401) return null
          refreshes.delete(key)
          throw err
        })
      refreshes.set(key, pending)
    }
    return pending
  }

  function cookieOptions(req: FastifyRequest, maxAgeSeconds?: number) {
    return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: req.protocol === 'https', ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}) }
  }

  function signIn(req: FastifyRequest, reply: FastifyReply, auth: AuthSession) {
    reply.setCookie(COOKIES.access, auth.accessToken, cookieOptions(req, Math.max(1, auth.expiresIn - ACCESS_MARGIN_S)))
    const refreshSeconds = Math.floor((Date.parse(auth.refreshTokenExpiresAt) - Date.now()) / 1000)
    reply.setCookie(COOKIES.refresh, auth.refreshToken, cookieOptions(req, Math.max(1, refreshSeconds)))
  }

  function signOut(req: FastifyRequest, reply: FastifyReply) {
    for (const name of [COOKIES.access, COOKIES.refresh, COOKIES.count]) reply.clearCookie(name, cookieOptions(req))
  }

  return {
    signIn,
    signOut,

    async load(req: FastifyRequest, reply: FastifyReply): Promise<ShopSession> {
      const cookies = req.cookies
      const cartToken = cookies[COOKIES.cart] && CART_TOKEN.test(cookies[COOKIES.cart]!) ? cookies[COOKIES.cart] : undefined
      const cartCount = Math.max(0, Math.min(9999, Number.parseInt(cookies[COOKIES.count] ?? '0', 10) || 0))
      const base = { ...(cartToken ? { cartToken } : {}), cartCount }
      const access = cookies[COOKIES.access]
      if (access) {
        const identity = await verify(access)
        if (identity) return { ...base, identity, accessToken: access }
      }
      const refresh = cookies[COOKIES.refresh]
      if (!refresh) return { ...base, identity: null }
      let auth: AuthSession | null
      try {
        auth = await refreshOnce(refresh, req)
      } catch (err) {
        req.log.warn({ err }, 'storefront: session refresh failed, page served as a guest')
        return { ...base, identity: null }
      }
      if (!auth) {
        signOut(req, reply)
        return { ...base, identity: null, cartCount: 0 }
      }
      signIn(req, reply, auth)
      const identity = { userId: auth.user.id, email: auth.user.email, roles: auth.user.roles as Identity['roles'] }
      return { ...base, identity, accessToken: auth.accessToken }
    },

    /** Remembers what the API said about the cart: its guest token (or that there is none) and its size. */
    rememberCart(req: FastifyRequest, reply: FastifyReply, session: ShopSession, cart: Cart) {
      if (cart.token && cart.token !== session.cartToken) reply.setCookie(COOKIES.cart, cart.token, cookieOptions(req, 30 * 24 * 3600))
      // A user's cart answer carries no token: the guest cart was merged (or never was).
      if (!cart.token && session.cartToken) reply.clearCookie(COOKIES.cart, cookieOptions(req))
      reply.setCookie(COOKIES.count, String(cart.itemCount), cookieOptions(req, 30 * 24 * 3600))
      session.cartCount = cart.itemCount
      if (cart.token) session.cartToken = cart.token
      else delete session.cartToken
    },
  }
}

export type Sessions = ReturnType<typeof createSessions>
