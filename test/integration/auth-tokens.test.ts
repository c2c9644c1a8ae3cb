import assert from 'node:assert/strict'
import { createHmac, createPrivateKey, createPublicKey, randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import { base64url, calculateJwkThumbprint, exportJWK, SignJWT, type JWTPayload } from 'jose'
import type { BuiltApp } from '../../src/app.js'
import { buildTestApp } from '../helpers/build-app.js'
import { clonePgDatabase } from '../helpers/databases.js'
import { AUTH_TEST_ENV, bearer, errorCode, loginUser, registerUser, type SessionBody } from '../helpers/auth-fixture.js'

// Known signing keys, so the tests can forge tokens that differ from a valid one in one respect only.
const seed = () => randomBytes(32).toString('base64url')
const K1 = seed()
const K2 = seed()
const env = { ...AUTH_TEST_ENV, JWT_SECRET: K1 }

function privateKeyOf(seedText: string) {
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seedText, 'base64url')])
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
}

async function kidOf(seedText: string) {
  const jwk = await exportJWK(createPublicKey(privateKeyOf(seedText)))
  return calculateJwkThumbprint(jwk)
}

interface Forge {
  seed?: string
  kid?: string | null
  typ?: string | null
  claims?: JWTPayload
  iat?: number
  exp?: number | null
}

/** A token like the auth service's, signed with a key we hold, with the given differences. */
async function forge(user: { id: string; email: string }, f: Forge = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const header: Record<string, string> = { alg: 'EdDSA' }
  const kid = f.kid === undefined ? await kidOf(f.seed ?? K1) : f.kid
  if (kid !== null) header.kid = kid
  const typ = f.typ === undefined ? 'at+jwt' : f.typ
  if (typ !== null) header.typ = typ
  const jwt = new SignJWT({ email: user.email, roles: ['customer'], iss: 'emporium-auth', aud: 'emporium', sub: user.id, ...f.claims })
    .setProtectedHeader(header as never)
    .setIssuedAt(f.iat ?? now)
  if (f.exp !== null) jwt.setExpirationTime(f.exp ?? now + 300)
  return jwt.sign(privateKeyOf(f.seed ?? K1))
}

const b64json = (v: unknown) => base64url.encode(JSON.stringify(v))

function hs256(header: object, payload: object, key: Buffer | string): string {
  const input = `${b64json(header)}.${b64json(payload)}`
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`
}

async function me(built: BuiltApp, token: string) {
  return built.app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(token) })
}

for (const adapters of ['embedded', 'real'] as const) {
  describe(`access and refresh tokens (${adapters})`, () => {
    test('every forged or altered access token is refused, while a correctly made one passes', async (t) => {
      const built = await buildTestApp(t, { adapters, env })
      const session = await registerUser(built)
      const user = session.user
      const now = Math.floor(Date.now() / 1000)
      const real = session.accessToken
      const [h, p, s] = real.split('.') as [string, string, string]
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>
      const jwks = (await built.app.inject({ method: 'GET', url: '/api/auth/.well-known/jwks.json' })).json<{ keys: { x: string; kid: string }[] }>()
      const publicKey = createPublicKey(privateKeyOf(K1))
      const headerOf = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>

      // Controls: the service's own token and one we sign the same way both pass, so a refusal below means something.
      assert.equal((await me(built, real)).statusCode, 200)
      assert.equal((await me(built, await forge(user))).statusCode, 200)
      assert.equal(headerOf.alg, 'EdDSA')
      assert.equal(headerOf.kid, await kidOf(K1))

      const attacks: [string, string, string][] = [
        ['alg none, no signature', `${b64json({ alg: 'none', kid: headerOf.kid, typ: 'at+jwt' })}.${p}.`, 'INVALID_TOKEN'],
        ['alg none keeping the signature', `${b64json({ alg: 'none', kid: headerOf.kid, typ: 'at+jwt' })}.${p}.${s}`, 'INVALID_TOKEN'],
        ['HS256 keyed with the raw public key', hs256({ ...headerOf, alg: 'HS256' }, claims, Buffer.from(jwks.keys[0]!.x, 'base64url')), 'INVALID_TOKEN'],
        ['HS256 keyed with the public key PEM', hs256({ ...headerOf, alg: 'HS256' }, claims, publicKey.export({ type: 'spki', format: 'pem' }) as string), 'INVALID_TOKEN'],
        ['HS256 keyed with the JWKS text', hs256({ ...headerOf, alg: 'HS256' }, claims, JSON.stringify(jwks)), 'INVALID_TOKEN'],
        ['RS256 header on an EdDSA signature', `${b64json({ ...headerOf, alg: 'RS256' })}.${p}.${s}`, 'INVALID_TOKEN'],
        ['a wrong audience', await forge(user, { claims: { aud: 'someone-else' } }), 'INVALID_TOKEN'],
        ['a wrong issuer', await forge(user, { claims: { iss: 'https://evil.example' } }), 'INVALID_TOKEN'],
        ['expired an hour ago', await forge(user, { iat: now - 3700, exp: now - 3600 }), 'TOKEN_EXPIRED'],
        ['no expiry', await forge(user, { exp: null }), 'INVALID_TOKEN'],
        ['issued 20 minutes ago, longer-lived than 15 minutes', await forge(user, { iat: now - 1200, exp: now + 3600 }), 'TOKEN_EXPIRED'],
        ['payload altered to add the admin role', `${h}.${b64json({ ...claims, roles: ['customer', 'admin'] })}.${s}`, 'INVALID_TOKEN'],
        ['payload altered to another user', `${h}.${b64json({ ...claims, sub: '00000000-0000-4000-8000-000000000000' })}.${s}`, 'INVALID_TOKEN'],
        ['signature of another token', `${h}.${p}.${(await forge(user)).split('.')[2]}`, 'INVALID_TOKEN'],
        ['an unknown kid, signed with an unknown key', await forge(user, { seed: K2, kid: await kidOf(K2) }), 'INVALID_TOKEN'],
        ['the real kid, signed with another key', await forge(user, { seed: K2, kid: await kidOf(K1) }), 'INVALID_TOKEN'],
        ['no kid', await forge(user, { kid: null }), 'INVALID_TOKEN'],
        ['not an access token (typ JWT)', await forge(user, { typ: 'JWT' }), 'INVALID_TOKEN'],
        ['no typ', await forge(user, { typ: null }), 'INVALID_TOKEN'],
        ['roles that do not exist', await forge(user, { claims: { roles: ['superuser'] } }), 'INVALID_TOKEN'],
        ['not a JWT at all', 'garbage', 'INVALID_TOKEN'],
      ]
      for (const [name, token, code] of attacks) {
        const res = await me(built, token)
        assert.equal(res.statusCode, 401, `${name}: ${res.body}`)
        assert.equal(errorCode(res), code, name)
        assert.match(res.headers['www-authenticate'] as string, /^Bearer error="invalid_token"/, name)
      }
      const basic = await built.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Basic ${base64url.encode('a:b')}` } })
      assert.equal(basic.statusCode, 401)
      assert.equal(errorCode(basic), 'INVALID_TOKEN')
    })

    test('a refresh token works once; using it again revokes the whole session for thief and owner', async (t) => {
      const built = await buildTestApp(t, { adapters, env })
      const { app } = built
      const session = await registerUser(built)
      const stolen = session.refreshToken

      const owner = await app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: stolen } })
      assert.equal(owner.statusCode, 200)
      const ownerNext = owner.json<SessionBody>()

      const thief = await app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: stolen } })
      assert.equal(thief.statusCode, 401)
      assert.equal(errorCode(thief), 'REFRESH_TOKEN_REUSED')

      const ownerAgain = await app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: ownerNext.refreshToken } })
      assert.equal(ownerAgain.statusCode, 401)
      assert.equal(errorCode(ownerAgain), 'INVALID_REFRESH_TOKEN')

      const { rows } = await built.deps.db.query<{ revoked_reason: string | null }>(
        'select revoked_reason from auth.refresh_families where user_id = $1',
        [session.user.id],
      )
      assert.deepEqual(rows, [{ revoked_reason: 'reuse' }])
      // Only that session: signing in again works.
      await loginUser(built, session.user.email)
    })

    test('of ten parallel refreshes with one token at most one succeeds', async (t) => {
      const built = await buildTestApp(t, { adapters, env })
      const session = await registerUser(built)
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          built.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: session.refreshToken } }),
        ),
      )
      const ok = results.filter((r) => r.statusCode === 200)
      assert.ok(ok.length <= 1, `${ok.length} refreshes succeeded`)
      for (const r of results.filter((r) => r.statusCode !== 200)) {
        assert.equal(r.statusCode, 401)
        assert.equal(errorCode(r), 'REFRESH_TOKEN_REUSED')
      }
      const { rows } = await built.deps.db.query<{ n: number }>(
        'select count(*)::int as n from auth.refresh_tokens where used_at is null and user_id = $1',
        [session.user.id],
      )
      assert.ok(rows[0]!.n <= 1)
    })

    test('an expired refresh token is refused', async (t) => {
      const built = await buildTestApp(t, { adapters, env })
      const session = await registerUser(built)
      await built.deps.db.query(`update auth.refresh_tokens set expires_at = now() - interval '1 second'`)
      const res = await built.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: session.refreshToken } })
      assert.equal(res.statusCode, 401)
      assert.equal(errorCode(res), 'INVALID_REFRESH_TOKEN')
    })

    test('refresh tokens are stored only as hashes', async (t) => {
      const built = await buildTestApp(t, { adapters, env })
      const session = await registerUser(built)
      const { rows } = await built.deps.db.query<{ token_hash: string }>('select token_hash from auth.refresh_tokens')
      assert.equal(rows.length, 1)
      assert.notEqual(rows[0]!.token_hash, session.refreshToken)
      assert.equal(rows[0]!.token_hash.length, 43)
    })
  })
}

describe('signing keys', () => {
  test('during a rotation both keys are valid: tokens of the old key pass where the new one signs', async (t) => {
    const DATABASE_URL = await clonePgDatabase(t)
    const shared = { ...AUTH_TEST_ENV, DATABASE_URL }
    const before = await buildTestApp(t, { adapters: 'real', env: { ...shared, JWT_SECRET: K1 } })
    const during = await buildTestApp(t, { adapters: 'real', env: { ...shared, JWT_SECRET: `${K2},${K1}` } })
    const after = await buildTestApp(t, { adapters: 'real', env: { ...shared, JWT_SECRET: K2 } })

    const oldToken = (await registerUser(before)).accessToken
    const newToken = (await loginUser(during, JSON.parse(Buffer.from(oldToken.split('.')[1]!, 'base64url').toString()).email)).accessToken
    const kidIn = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).kid as string
    assert.equal(kidIn(oldToken), await kidOf(K1))
    assert.equal(kidIn(newToken), await kidOf(K2))

    const jwks = (await during.app.inject({ method: 'GET', url: '/api/auth/.well-known/jwks.json' })).json<{ keys: Record<string, unknown>[] }>()
    assert.deepEqual(jwks.keys.map((k) => k.kid), [await kidOf(K2), await kidOf(K1)])
    for (const k of jwks.keys) {
      assert.deepEqual(Object.keys(k).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x'])
      assert.equal(k.d, undefined)
    }

    assert.equal((await me(during, oldToken)).statusCode, 200)
    assert.equal((await me(during, newToken)).statusCode, 200)
    assert.equal((await me(after, newToken)).statusCode, 200)
    const retired = await me(after, oldToken)
    assert.equal(retired.statusCode, 401)
    assert.equal(errorCode(retired), 'INVALID_TOKEN')
  })

  test('a JWT_SECRET that is not key material stops the start with a clear message', async (t) => {
    await assert.rejects(buildTestApp(t, { env: { ...AUTH_TEST_ENV, JWT_SECRET: 'change-me-in-production' } }), /JWT_SECRET key 1 is not 32 bytes/)
  })
})
