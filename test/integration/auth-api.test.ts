import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { buildTestApp } from '../helpers/build-app.js'
import {
  AUTH_TEST_ENV,
  bearer,
  countRows,
  errorCode,
  loginUser,
  outboxEvents,
  PASSWORD,
  registerUser,
  uniqueEmail,
  type SessionBody,
} from '../helpers/auth-fixture.js'

// Plenty of requests per test: the per-client limit has its own test file.
const env = AUTH_TEST_ENV

for (const adapters of ['embedded', 'real'] as const) {
  describe(`auth accounts (${adapters})`, () => {
    test('a customer registers, verifies the address, signs in, refreshes, changes the password and signs out', async (t) => {
      const built = await buildTestApp(t, { adapters, env })
      const { app } = built
      const email = uniqueEmail('alice')

      const registered = await registerUser(built, email)
      assert.equal(registered.user.email, email)
      assert.deepEqual(registered.user.roles, ['customer'])
      assert.equal(registered.user.emailVerified, false)
      assert.equal(registered.tokenType, 'Bearer')
      assert.ok(registered.expiresIn > 0 && registered.expiresIn <= 900)

      // The welcome e-mail's token travels in the outbox, written with the account.
      const [welcome, ...more] = await outboxEvents(built, 'user.registered')
      assert.equal(more.length, 0)
      assert.equal(welcome!.aggregate_type, 'user')
      assert.equal(welcome!.aggregate_id, registered.user.id)
      const payload = welcome!.payload as { userId: string; email: string; verificationToken: string; verificationExpiresAt: string }
      assert.deepEqual(Object.keys(payload).sort(), ['email', 'userId', 'verificationExpiresAt', 'verificationToken'])
      assert.equal(payload.userId, registered.user.id)
      assert.equal(payload.email, email)
      assert.ok(new Date(payload.verificationExpiresAt).getTime() > Date.now())

      const verify = await app.inject({ method: 'POST', url: '/api/auth/email-verifications/confirm', payload: { token: payload.verificationToken } })
      assert.equal(verify.statusCode, 204, verify.body)
      const again = await app.inject({ method: 'POST', url: '/api/auth/email-verifications/confirm', payload: { token: payload.verificationToken } })
      assert.equal(again.statusCode, 400)
      assert.equal(errorCode(again), 'INVALID_VERIFICATION_TOKEN')
      assert.equal((await outboxEvents(built, 'user.email_verified')).length, 1)

      const session = await loginUser(built, email)
      const me = await app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(session.accessToken) })
      assert.equal(me.statusCode, 200, me.body)
      assert.deepEqual(me.json(), { ...registered.user, emailVerified: true })
      assert.equal(me.body.includes('argon2'), false)

      const refreshed = await app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: session.refreshToken } })
      assert.equal(refreshed.statusCode, 200, refreshed.body)
      const next = refreshed.json<SessionBody>()
      assert.notEqual(next.refreshToken, session.refreshToken)
      assert.equal(next.user.id, registered.user.id)

      const newPassword = 'a brand new passphrase'
      const changed = await app.inject({
        method: 'POST',
        url: '/api/auth/me/password',
        headers: bearer(next.accessToken),
        payload: { currentPassword: PASSWORD, newPassword },
      })
      assert.equal(changed.statusCode, 200, changed.body)
      const afterChange = changed.json<SessionBody>()
      // Every other session ended with the change: the registration's and the refreshed one.
      for (const old of [registered.refreshToken, next.refreshToken]) {
        const res = await app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: old } })
        assert.equal(res.statusCode, 401)
        assert.equal(errorCode(res), 'INVALID_REFRESH_TOKEN')
      }
      const oldPassword = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: PASSWORD } })
      assert.equal(oldPassword.statusCode, 401)
      assert.equal(errorCode(oldPassword), 'INVALID_CREDENTIALS')
      await loginUser(built, email, newPassword)

      const logout = await app.inject({ method: 'POST', url: '/api/auth/logout', payload: { refreshToken: afterChange.refreshToken } })
      assert.equal(logout.statusCode, 204)
      const afterLogout = await app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: afterChange.refreshToken } })
      assert.equal(afterLogout.statusCode, 401)
      assert.equal(errorCode(afterLogout), 'INVALID_REFRESH_TOKEN')
    })

    test('changing the password needs the current one', async (t) => {
      const built = await buildTestApp(t, { adapters, env })
      const session = await registerUser(built)
      const res = await built.app.inject({
        method: 'POST',
        url: '/api/auth/me/password',
        headers: bearer(session.accessToken),
        payload: { currentPassword: 'not the password at all', newPassword: 'another fine passphrase' },
      })
      assert.equal(res.statusCode, 403)
      assert.equal(errorCode(res), 'CURRENT_PASSWORD_INCORRECT')
      await loginUser(built, session.user.email)
    })

    test('a password reset e-mails a single-use token that sets a new password and ends every session', async (t) => {
      const built = await buildTestApp(t, { adapters, env })
      const { app } = built
      const session = await registerUser(built)
      const email = session.user.email

      const asked = await app.inject({ method: 'POST', url: '/api/auth/password-resets', payload: { email: email.toUpperCase() } })
      assert.equal(asked.statusCode, 202)
      assert.deepEqual(asked.json(), { status: 'accepted' })
      const [event] = await outboxEvents(built, 'user.password_reset_requested')
      const payload = event!.payload as { userId: string; email: string; resetToken: string; expiresAt: string }
      assert.deepEqual(Object.keys(payload).sort(), ['email', 'expiresAt', 'resetToken', 'userId'])
      assert.equal(payload.userId, session.user.id)
      assert.equal(payload.email, email)

      const weak = await app.inject({ method: 'POST', url: '/api/auth/password-resets/confirm', payload: { token: payload.resetToken, password: 'short' } })
      assert.equal(weak.statusCode, 400)
      assert.equal(errorCode(weak), 'WEAK_PASSWORD')

      const newPassword = 'reset to something long'
      const confirmed = await app.inject({ method: 'POST', url: '/api/auth/password-resets/confirm', payload: { token: payload.resetToken, password: newPassword } })
      assert.equal(confirmed.statusCode, 204, confirmed.body)
      const reused = await app.inject({ method: 'POST', url: '/api/auth/password-resets/confirm', payload: { token: payload.resetToken, password: 'yet another long one' } })
      assert.equal(reused.statusCode, 400)
      assert.equal(errorCode(reused), 'INVALID_RESET_TOKEN')

      const oldSession = await app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: session.refreshToken } })
      assert.equal(oldSession.statusCode, 401)
      const relogin = await loginUser(built, email, newPassword)
      // Following the mailed link proves the mailbox too.
      assert.equal(relogin.user.emailVerified, true)
    })

    test('an expired reset token is refused', async (t) => {
      const built = await buildTestApp(t, { adapters, env })
      const session = await registerUser(built)
      await built.app.inject({ method: 'POST', url: '/api/auth/password-resets', payload: { email: session.user.email } })
      const [event] = await outboxEvents(built, 'user.password_reset_requested')
      await built.deps.db.query(`update auth.one_time_tokens set expires_at = now() - interval '1 second' where purpose = 'password_reset'`)
      const res = await built.app.inject({
        method: 'POST',
        url: '/api/auth/password-resets/confirm',
        payload: { token: (event!.payload as { resetToken: string }).resetToken, password: 'a perfectly fine one' },
      })
      assert.equal(res.statusCode, 400)
      assert.equal(errorCode(res), 'INVALID_RESET_TOKEN')
      await loginUser(built, session.user.email)
    })

    test('asking for a reset answers the same for an unknown address and sends nothing', async (t) => {
      const built = await buildTestApp(t, { adapters, env })
      const known = await registerUser(built)
      const before = (await outboxEvents(built)).length
      const unknown = await built.app.inject({ method: 'POST', url: '/api/auth/password-resets', payload: { email: uniqueEmail('nobody') } })
      assert.equal((await outboxEvents(built)).length, before)
      const existing = await built.app.inject({ method: 'POST', url: '/api/auth/password-resets', payload: { email: known.user.email } })
      assert.equal(unknown.statusCode, existing.statusCode)
      assert.equal(unknown.body, existing.body)
      assert.equal((await outboxEvents(built)).length, before + 1)
    })

    test('reset e-mails are capped at three an hour per account', async (t) => {
      const built = await buildTestApp(t, { adapters, env })
      const known = await registerUser(built)
      for (let i = 0; i < 5; i++) {
        const res = await built.app.inject({ method: 'POST', url: '/api/auth/password-resets', payload: { email: known.user.email } })
        assert.equal(res.statusCode, 202)
      }
      assert.equal((await outboxEvents(built, 'user.password_reset_requested')).length, 3)
    })

    test('an unknown e-mail and a wrong password get the same answer in similar time', async (t) => {
      // A costlier hash (t=16, ~70 ms here) so that the hash, not the noise of a busy machine, dominates both paths.
      const built = await buildTestApp(t, { adapters, env: { ...env, AUTH_LOGIN_FREE_ATTEMPTS: '100', AUTH_HASH_TIME_COST: '16' } })
      const known = await registerUser(built)
      const attempt = async (email: string) => {
        const started = performance.now()
        const res = await built.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: 'wrong password here' } })
        return { ms: performance.now() - started, status: res.statusCode, body: res.body }
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
      const wrong: number[] = []
      const unknown: number[] = []
      for (let i = 0; i < 7; i++) {
        const a = await attempt(known.user.email)
        const b = await attempt(uniqueEmail('ghost'))
        assert.equal(a.status, 401)
        assert.deepEqual([b.status, b.body], [a.status, a.body])
        wrong.push(a.ms)
        unknown.push(b.ms)
      }
      // Both run one argon2id verification; without the dummy hash the unknown address answers in ~2 ms.
      const [w, u] = [median(wrong), median(unknown)]
      assert.ok(u > w * 0.5 && u < w * 2, `median wrong password ${w.toFixed(1)} ms, unknown address ${u.toFixed(1)} ms`)
    })

    test('addresses are normalised: one account per mailbox, whatever the case or spaces', async (t) => {
      const built = await buildTestApp(t, { adapters, env })
      const local = uniqueEmail('Bob').split('@')[0]!
      const first = await registerUser(built, `  ${local.toUpperCase()}@Example.COM `)
      assert.equal(first.user.email, `${local.toLowerCase()}@example.com`)
      await loginUser(built, `${local}@EXAMPLE.com`)
      const dup = await built.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email: `${local}@example.com`, password: PASSWORD } })
      assert.equal(dup.statusCode, 409)
      assert.equal(errorCode(dup), 'EMAIL_TAKEN')
    })

    test('regression: look-alike addresses were second accounts; register, login and reset all use one normal form and refuse invisible characters', async (t) => {
      const built = await buildTestApp(t, { adapters, env })
      const local = uniqueEmail('bob').split('@')[0]!
      await registerUser(built, `${local}@example.com`)
      const fullwidth = [...`${local.toUpperCase()}@EXAMPLE.COM`].map((c) => (c >= '!' && c <= '~' ? String.fromCodePoint(c.codePointAt(0)! + 0xfee0) : c)).join('')
      const register = (email: string) => built.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password: PASSWORD } })
      for (const email of [`${local}@example.com\u200b`, `\u200e${local}@example.com`, `${local}\u2060@example.com`, `${local}@exam\u00adple.com`]) {
        const res = await register(email)
        assert.equal(res.statusCode, 400, JSON.stringify(email))
        assert.equal(errorCode(res), 'INVALID_EMAIL')
      }
      assert.equal(errorCode(await register(fullwidth)), 'EMAIL_TAKEN')
      await loginUser(built, fullwidth)
      const reset = await built.app.inject({ method: 'POST', url: '/api/auth/password-resets', payload: { email: ` ${fullwidth} ` } })
      assert.equal(reset.statusCode, 202)
      const sent = await outboxEvents(built, 'user.password_reset_requested')
      assert.deepEqual(sent.map((e) => e.payload.email), [`${local}@example.com`])
      assert.equal(await countRows(built, 'auth.users'), 1)
    })

    test('bad input gets a 4xx JSON error with a stable code and writes nothing', async (t) => {
      const built = await buildTestApp(t, { adapters, env })
      const taken = await registerUser(built)
      const users = await countRows(built, 'auth.users')
      const events = await countRows(built, 'auth.outbox')
      const cases: [string, unknown, number, string][] = [
        ['missing password', { email: uniqueEmail() }, 400, 'VALIDATION'],
        ['missing email', { password: PASSWORD }, 400, 'VALIDATION'],
        ['email of the wrong type', { email: 42, password: PASSWORD }, 400, 'VALIDATION'],
        ['password of the wrong type', { email: uniqueEmail(), password: ['x'] }, 400, 'VALIDATION'],
        ['an unknown field', { email: uniqueEmail(), password: PASSWORD, roles: ['admin'] }, 400, 'VALIDATION'],
        ['an e-mail of 255 characters', { email: `${'a'.repeat(243)}@example.com`, password: PASSWORD }, 400, 'VALIDATION'],
        ['a password of 1025 characters', { email: uniqueEmail(), password: 'p'.repeat(1025) }, 400, 'VALIDATION'],
        ['a password over 1 KiB in UTF-8', { email: uniqueEmail(), password: 'ü'.repeat(600) }, 400, 'PASSWORD_TOO_LONG'],
        ['not an e-mail address', { email: 'not-an-address', password: PASSWORD }, 400, 'INVALID_EMAIL'],
        ['a password under 10 characters', { email: uniqueEmail(), password: 'Sh0rt!pw' }, 400, 'WEAK_PASSWORD'],
        ['a common password', { email: uniqueEmail(), password: 'Password123' }, 400, 'WEAK_PASSWORD'],
        ['the address as password', { email: 'carol.smith@example.com', password: 'carol.smith@example.com' }, 400, 'WEAK_PASSWORD'],
        ['a duplicate registration', { email: taken.user.email, password: PASSWORD }, 409, 'EMAIL_TAKEN'],
      ]
      for (const [name, payload, status, code] of cases) {
        const res = await built.app.inject({ method: 'POST', url: '/api/auth/register', payload: payload as object })
        assert.equal(res.statusCode, status, `${name}: ${res.body}`)
        assert.equal(errorCode(res), code, name)
        assert.match(res.headers['content-type'] as string, /application\/json/)
      }
      const malformed = await built.app.inject({
        method: 'POST',
        url: '/api/auth/register',
        headers: { 'content-type': 'application/json' },
        payload: '{"email": "x@example.com", "password": ',
      })
      assert.equal(malformed.statusCode, 400)
      assert.equal(errorCode(malformed), 'INVALID_JSON')
      for (const [url, payload] of [
        ['/api/auth/login', { email: taken.user.email }],
        ['/api/auth/refresh', { refreshToken: 7 }],
        ['/api/auth/password-resets', { email: 'x'.repeat(300) }],
        ['/api/auth/password-resets/confirm', { token: 'abc' }],
      ] as const) {
        const res = await built.app.inject({ method: 'POST', url, payload })
        assert.equal(res.statusCode, 400, url)
        assert.equal(errorCode(res), 'VALIDATION', url)
      }
      const badRefresh = await built.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: 'not-a-token' } })
      assert.equal(badRefresh.statusCode, 401)
      assert.equal(errorCode(badRefresh), 'INVALID_REFRESH_TOKEN')
      assert.equal(await countRows(built, 'auth.users'), users)
      assert.equal(await countRows(built, 'auth.outbox'), events)
    })

    test('/me without a token is 401 AUTH_REQUIRED', async (t) => {
      const built = await buildTestApp(t, { adapters, env })
      const res = await built.app.inject({ method: 'GET', url: '/api/auth/me' })
      assert.equal(res.statusCode, 401)
      assert.equal(errorCode(res), 'AUTH_REQUIRED')
      assert.equal(res.headers['www-authenticate'], 'Bearer')
    })

    test('a valid token of an account that no longer exists gets 404 USER_NOT_FOUND on /me', async (t) => {
      const built = await buildTestApp(t, { adapters, env })
      const session = await registerUser(built)
      await built.deps.db.query('delete from auth.users where id = $1', [session.user.id])
      const res = await built.app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(session.accessToken) })
      assert.equal(res.statusCode, 404)
      assert.equal(errorCode(res), 'USER_NOT_FOUND')
    })

    test('GET /api/auth/health reports the service and its database', async (t) => {
      const built = await buildTestApp(t, { adapters, env })
      const res = await built.app.inject({ method: 'GET', url: '/api/auth/health' })
      assert.equal(res.statusCode, 200, res.body)
      const body = res.json<{ status: string; checks: Record<string, string> }>()
      assert.equal(body.status, 'ok')
      assert.equal(body.checks.database, 'ok')
    })
  })
}
