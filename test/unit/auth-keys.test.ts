import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, test } from 'node:test'
import { calculateJwkThumbprint } from 'jose'
import { pino } from 'pino'
import { ConfigError } from '../../src/platform/config.js'
import { keyRingFromSeeds, loadKeyRing, parseKeyMaterial } from '../../src/services/auth/keys.js'

const log = pino({ level: 'silent' })

describe('JWT_SECRET key material', () => {
  test('accepts 32-byte keys in base64url or base64, the first one signing', async () => {
    const a = randomBytes(32)
    const b = randomBytes(32)
    const ring = await keyRingFromSeeds(parseKeyMaterial(`${a.toString('base64url')}, ${b.toString('base64')}`, 'JWT_SECRET'))
    assert.equal(ring.keys.length, 2)
    assert.equal(ring.signing, ring.keys[0])
    for (const k of ring.jwks.keys) {
      assert.deepEqual(Object.keys(k).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x'])
      assert.equal(k.kid, await calculateJwkThumbprint({ kty: k.kty, crv: k.crv, x: k.x }))
      assert.equal(k.alg, 'EdDSA')
    }
  })

  test('refuses pass-phrases, wrong lengths, duplicates and more than three keys, without echoing the secret', () => {
    const k = randomBytes(32).toString('base64url')
    const bad = [
      'change-me-in-production',
      'thisismysupersecretjwtsecretthatislongenough!',
      randomBytes(16).toString('base64url'),
      randomBytes(64).toString('base64url'),
      `${k},${k}`,
      Array.from({ length: 4 }, () => randomBytes(32).toString('base64url')).join(','),
      ' , ',
    ]
    for (const secret of bad) {
      assert.throws(
        () => parseKeyMaterial(secret, 'JWT_SECRET'),
        (err: unknown) => err instanceof ConfigError && (secret.trim().length < 8 || !err.message.includes(secret.trim())),
        secret,
      )
    }
  })
})

describe('embedded signing keys', () => {
  test('are generated once under DATA_DIR, private to the owner, and the same for instances starting together', async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'emporium-keys-'))
    t.after(() => rm(dir, { recursive: true, force: true }))
    const rings = await Promise.all(Array.from({ length: 4 }, () => loadKeyRing({ DATA_DIR: dir }, log)))
    const kids = new Set(rings.map((r) => r.signing.kid))
    assert.equal(kids.size, 1)
    const file = path.join(dir, 'auth', 'jwt-keys')
    assert.equal((await stat(file)).mode & 0o777, 0o600)
    assert.equal(parseKeyMaterial(await readFile(file, 'utf8'), file).length, 1)
    const again = await loadKeyRing({ DATA_DIR: dir }, log)
    assert.equal(again.signing.kid, rings[0]!.signing.kid)
  })

  test('JWT_SECRET wins over the key file', async (t) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'emporium-keys-'))
    t.after(() => rm(dir, { recursive: true, force: true }))
    const secret = randomBytes(32).toString('base64url')
    const fromSecret = await loadKeyRing({ DATA_DIR: dir, JWT_SECRET: secret }, log)
    const expected = await keyRingFromSeeds(parseKeyMaterial(secret, 'JWT_SECRET'))
    assert.equal(fromSecret.signing.kid, expected.signing.kid)
    await assert.rejects(stat(path.join(dir, 'auth', 'jwt-keys')), { code: 'ENOENT' })
  })
})
