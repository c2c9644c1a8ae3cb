import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { AppError } from '../../src/platform/errors.js'
import { checkNewPassword, createPasswordHasher, normalizeEmail } from '../../src/services/auth/passwords.js'

const code = (fn: () => unknown) => {
  try {
    fn()
  } catch (err) {
    return err instanceof AppError ? err.code : `not an AppError: ${String(err)}`
  }
  return 'accepted'
}

describe('e-mail addresses', () => {
  test('are trimmed, lower-cased and Unicode-normalised', () => {
    assert.equal(normalizeEmail('  Alice.Smith@Example.COM '), 'alice.smith@example.com')
    // 'é' as e + combining accent, and as one code point: the same mailbox.
    assert.equal(normalizeEmail('Jose\u0301@example.com'), normalizeEmail('jos\u00e9@example.com'))
  })

  test('look-alikes become one address: NFKC folds fullwidth letters and ligatures', () => {
    assert.equal(normalizeEmail('ｂｏｂ＠ｅｘａｍｐｌｅ．ｃｏｍ'), 'bob@example.com')
    assert.equal(normalizeEmail('\ufb01ona@example.com'), 'fiona@example.com')
    assert.equal(normalizeEmail('BOB@EXAMPLE.COM'), 'bob@example.com')
  })

  test('regression: an address with an invisible character (U+200B after bob@example.com) was a second account; it is INVALID_EMAIL', () => {
    for (const invisible of ['\u200b', '\u200c', '\u200d', '\u200e', '\u2060', '\ufeff', '\u00ad', '\ufe0f', '\u3164', '\u115f', '\u202e']) {
      for (const bad of [`bob@example.com${invisible}`, `b${invisible}ob@example.com`, `bob@exa${invisible}mple.com`]) {
        assert.equal(code(() => normalizeEmail(bad)), 'INVALID_EMAIL', JSON.stringify(bad))
      }
    }
  })

  test('that do not look like an address are INVALID_EMAIL', () => {
    for (const bad of ['plainaddress', '@example.com', 'a@b', 'a b@example.com', 'a@@example.com', 'a@example..com', `${'x'.repeat(65)}@example.com`, '']) {
      assert.equal(code(() => normalizeEmail(bad)), 'INVALID_EMAIL', bad)
    }
  })
})

describe('new passwords', () => {
  const email = 'dana@example.com'
  const cases: [string, string][] = [
    ['a fine long passphrase', 'accepted'],
    ['ten chars!', 'accepted'],
    ['nine char', 'WEAK_PASSWORD'],
    ['🔑🔑🔑🔑🔑🔑🔑🔑🔑', 'WEAK_PASSWORD'],
    ['Password123', 'WEAK_PASSWORD'],
    ['QWERTYUIOP', 'WEAK_PASSWORD'],
    ['1234567890', 'WEAK_PASSWORD'],
    ['abababababab', 'WEAK_PASSWORD'],
    [email, 'WEAK_PASSWORD'],
    ['x'.repeat(1024), 'WEAK_PASSWORD'],
    ['xy'.repeat(512), 'WEAK_PASSWORD'],
    ['xyz'.repeat(341) + 'a', 'accepted'],
    ['xyz'.repeat(342), 'PASSWORD_TOO_LONG'],
    ['é'.repeat(513), 'PASSWORD_TOO_LONG'],
  ]
  for (const [password, expected] of cases) {
    test(`${JSON.stringify(password.length > 24 ? `${password.slice(0, 12)}... (${password.length})` : password)} is ${expected}`, () => {
      assert.equal(code(() => checkNewPassword(password, email)), expected)
    })
  }
})

describe('password hashing', () => {
  test('uses argon2id with m=19456 KiB, t=2, p=1 and verifies only the right password', async () => {
    const hasher = createPasswordHasher({ memoryKiB: 19456, timeCost: 2, concurrency: 2, queueMax: 10 })
    const hash = await hasher.hash('a fine long passphrase')
    assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    assert.equal(await hasher.verify(hash, 'a fine long passphrase'), true)
    assert.equal(await hasher.verify(hash, 'a fine long passphrasE'), false)
    // No account: the dummy hash is checked and the answer is always no.
    assert.equal(await hasher.verify(undefined, 'a fine long passphrase'), false)
  })

  test('the same password in another Unicode form verifies (NFKC)', async () => {
    const hasher = createPasswordHasher({ memoryKiB: 19456, timeCost: 2, concurrency: 1, queueMax: 10 })
    const hash = await hasher.hash('caf\u00e9 au lait please')
    assert.equal(await hasher.verify(hash, 'cafe\u0301 au lait please'), true)
  })

  test('hashes made with weaker settings are marked for rehashing', async () => {
    const weak = createPasswordHasher({ memoryKiB: 19456, timeCost: 2, concurrency: 1, queueMax: 10 })
    const strong = createPasswordHasher({ memoryKiB: 19456, timeCost: 3, concurrency: 1, queueMax: 10 })
    const hash = await weak.hash('a fine long passphrase')
    assert.equal(weak.needsRehash(hash), false)
    assert.equal(strong.needsRehash(hash), true)
  })

  test('at most `concurrency` hashes run at once; beyond the queue the answer is 503 AUTH_BUSY', async () => {
    const hasher = createPasswordHasher({ memoryKiB: 19456, timeCost: 2, concurrency: 1, queueMax: 2 })
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => hasher.hash('a fine long passphrase')))
    const refused = results.filter((r) => r.status === 'rejected')
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3)
    assert.equal(refused.length, 2)
    for (const r of refused) {
      const err = (r as PromiseRejectedResult).reason as AppError
      assert.equal(err.code, 'AUTH_BUSY')
      assert.equal(err.status, 503)
      assert.equal(err.headers['retry-after'], '1')
    }
  })
})
