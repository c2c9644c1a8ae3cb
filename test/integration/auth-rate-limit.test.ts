import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, test } from 'node:test'
import type { BuiltApp } from '../../src/app.js'
import { newKeySeed } from '../../src/services/auth/keys.js'
import { buildTestApp } from '../helpers/build-app.js'
import { clonePgDatabase } from '../helpers/databases.js'
import { servers } from '../helpers/servers.js'
import { startTcpProxy } from '../helpers/tcp-proxy.js'
import { bearer, errorCode, NO_WORKERS, PASSWORD, registerUser, uniqueEmail } from '../helpers/auth-fixture.js'

/** Two instances of the auth service on one database and one Redis, as PM2 runs them. */
async function twoInstances(t: Parameters<typeof buildTestApp>[0], env: Record<string, string> = {}): Promise<[BuiltApp, BuiltApp]> {
  const shared = { ...NO_WORKERS, DATABASE_URL: await clonePgDatabase(t), REDIS_KEY_PREFIX: `test${randomBytes(4).toString('hex')}:`, ...env }
  return [await buildTestApp(t, { adapters: 'real', env: shared }), await buildTestApp(t, { adapters: 'real', env: shared })]
}

/** A credential request that costs nothing but its count (a body the schema refuses). */
const tryCredential = (built: BuiltApp, remoteAddress?: string) =>
  built.app.inject({ method: 'POST', url: '/api/auth/login', payload: {}, ...(remoteAddress ? { remoteAddress } : {}) })

describe('the per-client limits on /api/auth (the seed: 100 requests / 15 min where a credential is tried)', () => {
  test('the 101st credential request in the window gets 429 even when requests alternate between two instances sharing one Redis', async (t) => {
    const [a, b] = await twoInstances(t)
    for (let i = 1; i <= 100; i++) {
      const res = await tryCredential(i % 2 ? a : b)
      assert.equal(res.statusCode, 400, `request ${i}: ${res.body}`)
      assert.equal(res.headers['x-ratelimit-limit'], '100')
    }
    for (const instance of [a, b]) {
      const res = await instance.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: uniqueEmail(), password: PASSWORD } })
      assert.equal(res.statusCode, 429)
      assert.equal(errorCode(res), 'RATE_LIMITED')
      const retryAfter = Number(res.headers['retry-after'])
      assert.ok(retryAfter > 0 && retryAfter <= 900, `Retry-After ${retryAfter}`)
      assert.match(res.headers['content-type'] as string, /application\/json/)
    }
    // Per client: another address still has its whole budget; health and keys are never limited.
    const other = await tryCredential(a, '10.1.2.3')
    assert.equal(other.statusCode, 400)
    assert.equal((await b.app.inject({ method: 'GET', url: '/api/auth/health' })).statusCode, 200)
    assert.equal((await b.app.inject({ method: 'GET', url: '/api/auth/.well-known/jwks.json' })).statusCode, 200)
  })

  test('the embedded shop applies the same limit in its process', async (t) => {
    const built = await buildTestApp(t, { adapters: 'embedded', env: NO_WORKERS })
    for (let i = 1; i <= 100; i++) assert.equal((await tryCredential(built)).statusCode, 400)
    const res = await tryCredential(built)
    assert.equal(res.statusCode, 429)
    assert.equal(errorCode(res), 'RATE_LIMITED')
  })

  for (const adapters of ['embedded', 'real'] as const) {
    test(`regression: /me and /refresh counted against the strict limit; ordinary use stays under the general one while sign-in is limited (${adapters})`, async (t) => {
      const instances = adapters === 'real' ? await twoInstances(t, { JWT_SECRET: newKeySeed() }) : [await buildTestApp(t, { adapters, env: NO_WORKERS })]
      const session = await registerUser(instances[0]!)
      const on = (i: number) => instances[i % instances.length]!
      for (let i = 1; i <= 150; i++) {
        const me = await on(i).app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(session.accessToken) })
        assert.equal(me.statusCode, 200, `GET /me ${i}: ${me.body}`)
        assert.equal(me.headers['x-ratelimit-limit'], '1000')
      }
      const refreshed = await on(0).app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: session.refreshToken } })
      assert.equal(refreshed.statusCode, 200, refreshed.body)
      // The credential routes still stop at 100 (the registration above was one of them).
      let status = 0
      for (let i = 1; i <= 100 && status !== 429; i++) status = (await tryCredential(on(i))).statusCode
      assert.equal(status, 429)
      for (const url of ['/api/auth/register', '/api/auth/password-resets', '/api/auth/password-resets/confirm', '/api/auth/email-verifications/confirm']) {
        assert.equal((await on(1).app.inject({ method: 'POST', url, payload: {} })).statusCode, 429, url)
      }
      const me = await on(1).app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(session.accessToken) })
      assert.equal(me.statusCode, 200, 'a signed-in client is not locked out by the sign-in limit')
    })
  }

  test('when Redis is unreachable, sign-in fails closed with 503 and Retry-After instead of going unlimited', async (t) => {
    const proxy = await startTcpProxy(Number(new URL(servers.redisUrl).port))
    t.after(() => proxy.close())
    const built = await buildTestApp(t, { adapters: 'real', env: { ...NO_WORKERS, REDIS_URL: proxy.url('redis') } })
    const session = await registerUser(built)
    proxy.cut()
    const res = await built.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: session.user.email, password: PASSWORD } })
    assert.equal(res.statusCode, 503, res.body)
    assert.equal(errorCode(res), 'RATE_LIMIT_UNAVAILABLE')
    assert.ok(Number(res.headers['retry-after']) > 0)
  })
})

const throttled = { ...NO_WORKERS, AUTH_RATE_LIMIT_MAX: '10000', AUTH_LOGIN_FREE_ATTEMPTS: '3', AUTH_LOGIN_BACKOFF_BASE_MS: '1000' }

for (const adapters of ['embedded', 'real'] as const) {
  describe(`per-account login throttling (${adapters})`, () => {
    test('failed sign-ins to one account back off exponentially from any address, and a success resets the count', async (t) => {
      const instances = adapters === 'real' ? await twoInstances(t, throttled) : [await buildTestApp(t, { env: throttled })]
      const session = await registerUser(instances[0]!)
      let n = 0
      // Each attempt from a new address, on the instances in turn: the count is per account, shared by all.
      const attempt = (password: string) =>
        instances[n++ % instances.length]!.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          remoteAddress: `10.0.${n >> 8}.${n & 255}`,
          payload: { email: session.user.email, password },
        })
      const expect = async (password: string, status: number, code?: string, retryAfter?: string) => {
        const res = await attempt(password)
        assert.equal(res.statusCode, status, res.body)
        if (code) assert.equal(errorCode(res), code)
        if (retryAfter) assert.equal(res.headers['retry-after'], retryAfter)
      }

      for (let i = 0; i < 4; i++) await expect('wrong password 1234', 401, 'INVALID_CREDENTIALS')
      // Past three free attempts the account is locked for 1 s, then 2 s, ... even for the right password.
      await expect(PASSWORD, 429, 'LOGIN_THROTTLED', '1')
      await sleep(1100)
      await expect('wrong password 1234', 401, 'INVALID_CREDENTIALS')
      await expect(PASSWORD, 429, 'LOGIN_THROTTLED', '2')
      await sleep(2100)
      await expect(PASSWORD, 200)
      for (let i = 0; i < 3; i++) await expect('wrong password 1234', 401, 'INVALID_CREDENTIALS')
    })

    test('an unknown address is throttled exactly like a real account', async (t) => {
      const built = await buildTestApp(t, { adapters, env: throttled })
      const ghost = uniqueEmail('ghost')
      for (let i = 0; i < 4; i++) {
        const res = await built.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: ghost, password: 'wrong password 1234' } })
        assert.equal(errorCode(res), 'INVALID_CREDENTIALS')
      }
      const res = await built.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: ghost, password: 'wrong password 1234' } })
      assert.equal(res.statusCode, 429)
      assert.equal(errorCode(res), 'LOGIN_THROTTLED')
    })
  })
}
