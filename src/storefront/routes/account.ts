import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ApiError } from '../api-client.js'
import type { AuthSession, User } from '../api-types.js'
import { apiFor, formRaw, formText, queryText, redirectToSignIn, safeNext, sendPage, type Shop } from '../context.js'
import { messageFor } from '../messages.js'
import { COOKIES } from '../session.js'
import { accountPage, forgotPage, resetPage, signInPage, signUpPage, verifyPage, type FormState } from '../views/account.js'
import { callCart } from './cart.js'
import { invalidResetToken, invalidVerificationToken, passwordsDiffer } from '../errors.js'

const ONE_TIME_TOKEN = /^[A-Za-z0-9_-]{16,200}$/

/** Sign up, sign in (the guest cart merges), sign out, the account page, and the pages the e-mails link to. */
export function registerAccountPages(app: FastifyInstance, shop: Shop) {
  const page = (req: FastifyRequest, reply: FastifyReply, view: Parameters<typeof sendPage>[3], status = 200) => sendPage(shop, req, reply, view, status)

  async function startSession(req: FastifyRequest, reply: FastifyReply, auth: AuthSession) {
    shop.sessions.signIn(req, reply, auth)
    req.shop.identity = { userId: auth.user.id, email: auth.user.email, roles: auth.user.roles as never }
    req.shop.accessToken = auth.accessToken
    // The first cart call with both tokens merges the guest cart into the user's.
    await callCart(shop, req, reply, { method: 'GET', path: '/api/cart' }).catch((err: unknown) => req.log.warn({ err }, 'storefront: cart merge after sign-in failed'))
    return reply.redirect(safeNext(formText(req, 'next')), 303)
  }

  const nextOf = (req: FastifyRequest) => safeNext(queryText(req, 'next'))

  // Sign in and sign up: the same form, two API routes; both start a session and merge the guest cart.
  const forms = [
    { path: '/account/sign-in', api: '/api/auth/login', view: signInPage },
    { path: '/account/sign-up', api: '/api/auth/register', view: signUpPage },
  ]
  for (const form of forms) {
    app.get(form.path, async (req, reply) => page(req, reply, (v) => form.view(v, { next: nextOf(req) })))
    app.post(form.path, async (req, reply) => {
      const state: FormState = { next: safeNext(formText(req, 'next')), email: formText(req, 'email') }
      try {
        const auth = await apiFor(shop, req)<AuthSession>({ method: 'POST', path: form.api, body: { email: state.email, password: formRaw(req, 'password') } })
        return await startSession(req, reply, auth.body)
      } catch (err) {
        if (!(err instanceof ApiError) || err.status >= 500) throw err
        return page(req, reply, (v) => form.view(v, { ...state, error: messageFor(err) }), err.status)
      }
    })
  }

  app.post('/account/sign-out', async (req, reply) => {
    const refreshToken = req.cookies[COOKIES.refresh]
    if (refreshToken) {
      await apiFor(shop, req)({ method: 'POST', path: '/api/auth/logout', body: { refreshToken } }).catch((err: unknown) => req.log.warn({ err }, 'storefront: logout failed'))
    }
    shop.sessions.signOut(req, reply)
    return reply.redirect('/', 303)
  })

  const me = async (req: FastifyRequest) => (await apiFor(shop, req)<User>({ method: 'GET', path: '/api/auth/me' })).body

  app.get('/account', async (req, reply) => {
    if (!req.shop.identity) return redirectToSignIn(req, reply)
    const user = await me(req)
    return page(req, reply, (v) => accountPage(v, user, { sent: queryText(req, 'sent') === '1' }))
  })

  app.post('/account/verify-email/resend', async (req, reply) => {
    if (!req.shop.identity) return redirectToSignIn(req, reply)
    try {
      await apiFor(shop, req)({ method: 'POST', path: '/api/auth/me/email-verifications' })
      return reply.redirect('/account?sent=1', 303)
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500 || err.status === 401) throw err
      const user = await me(req)
      return page(req, reply, (v) => accountPage(v, user, { error: messageFor(err) }), err.status)
    }
  })

  app.get('/account/verify-email', async (req, reply) => page(req, reply, (v) => verifyPage(v, { token: tokenOf(queryText(req, 'token')) })))
  app.post('/account/verify-email', async (req, reply) => {
    const token = tokenOf(formText(req, 'token'))
    try {
      if (!token) throw invalidVerificationToken()
      await apiFor(shop, req)({ method: 'POST', path: '/api/auth/email-verifications/confirm', body: { token } })
      return page(req, reply, (v) => verifyPage(v, { done: true }))
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500) throw err
      return page(req, reply, (v) => verifyPage(v, { error: messageFor(err) }), err.status)
    }
  })

  app.get('/account/forgot-password', async (req, reply) => page(req, reply, (v) => forgotPage(v, {})))
  app.post('/account/forgot-password', async (req, reply) => {
    const email = formText(req, 'email')
    try {
      await apiFor(shop, req)({ method: 'POST', path: '/api/auth/password-resets', body: { email } })
      return page(req, reply, (v) => forgotPage(v, { email, done: true }))
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500) throw err
      return page(req, reply, (v) => forgotPage(v, { email, error: messageFor(err) }), err.status)
    }
  })

  app.get('/account/reset-password', async (req, reply) => page(req, reply, (v) => resetPage(v, { token: tokenOf(queryText(req, 'token')) })))
  app.post('/account/reset-password', async (req, reply) => {
    const token = tokenOf(formText(req, 'token'))
    const password = formRaw(req, 'password')
    try {
      if (!token) throw invalidResetToken()
      if (password !== formRaw(req, 'confirm')) throw passwordsDiffer()
      await apiFor(shop, req)({ method: 'POST', path: '/api/auth/password-resets/confirm', body: { token, password } })
      // Every session of the account ended with the reset, this browser's too.
      shop.sessions.signOut(req, reply)
      req.shop.identity = null
      return page(req, reply, (v) => resetPage(v, { done: true }))
    } catch (err) {
      if (!(err instanceof ApiError) || err.status >= 500) throw err
      return page(req, reply, (v) => resetPage(v, { ...(token ? { token } : {}), error: messageFor(err) }), err.status)
    }
  })
}

function tokenOf(value: string | undefined): string | undefined {
  return value && ONE_TIME_TOKEN.test(value) ? value : undefined
}
