import assert from 'node:assert/strict'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, test } from 'node:test'
import { buildApp } from '../../src/app.js'
import { createPgliteDb } from '../../src/platform/db/pglite-db.js'
import { buildTestApp } from '../helpers/build-app.js'
import { cleanupScope, until, type Scope } from '../helpers/events.js'
import { createTestProducer, testProducer } from '../helpers/outbox-producer.js'

const FAST = { EVENTS_RETRY_BASE_MS: '50', OUTBOX_POLL_MS: '20', LOG_LEVEL: 'silent', SEED_DEMO_PRODUCTS: '0' }

async function tempDir(scope: Scope): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'emporium-mail-'))
  scope.after(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** The embedded shop: PGlite, the in-process bus, the on-disk mailbox. */
async function embeddedShop(scope: Scope, services = 'notification') {
  const mailbox = await tempDir(scope)
  const built = await buildTestApp(scope, { adapters: 'embedded', services, env: { ...FAST, NOTIFICATION_MAILBOX_DIR: mailbox } })
  return { built, mailbox }
}

type Listing = { items: { id: string; to: string; subject: string; template: string; eventId: string }[] }

describe('notification service in the embedded shop', () => {
  test('an order placed lands in the on-disk mailbox, which GET /dev/mail lists and shows', async (t) => {
    const scope = cleanupScope(t)
    const { built } = await embeddedShop(scope)
    const producer = await createTestProducer(built.deps.db)
    await built.deps.bus.startRelay(built.deps.db, 'testorders')
    const { eventId } = await producer.placeOrder({ email: 'grace@example.com' })

    const list = await until('the e-mail in the mailbox', async () => {
      const res = await built.app.inject({ method: 'GET', url: '/dev/mail' })
      const body = res.json<Listing>()
      return body.items.length === 1 ? body : undefined
    })
    const item = list.items[0]!
    assert.equal(item.to, 'grace@example.com')
    assert.equal(item.template, 'order-confirmation')
    assert.equal(item.eventId, eventId)

    const one = await built.app.inject({ method: 'GET', url: `/dev/mail/${item.id}` })
    assert.equal(one.statusCode, 200)
    assert.match(one.json<{ text: string }>().text, /2 × Walnut desk — €258\.00/)

    const page = await built.app.inject({ method: 'GET', url: '/dev/mail', headers: { accept: 'text/html' } })
    assert.match(page.headers['content-type'] as string, /text\/html/)
    assert.match(page.body, new RegExp(`href="/dev/mail/${item.id}"`))
    const shown = await built.app.inject({ method: 'GET', url: `/dev/mail/${item.id}`, headers: { accept: 'text/html' } })
    assert.match(shown.body, /Walnut desk/)
    const html = await built.app.inject({ method: 'GET', url: `/dev/mail/${item.id}/html` })
    assert.match(html.body, /<li>2 × Walnut desk — €258\.00<\/li>/)
    const raw = await built.app.inject({ method: 'GET', url: `/dev/mail/${item.id}/raw` })
    assert.match(raw.body, new RegExp(`Message-ID:\\s+<${eventId}\\.order-confirmation@`))
  })

  test('a registration through the auth service sends the welcome e-mail with the verification link', async (t) => {
    const scope = cleanupScope(t)
    const { built } = await embeddedShop(scope, 'all')
    const res = await built.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email: 'linus@example.com', password: 'a long and unusual passphrase 7' } })
    assert.equal(res.statusCode, 201)
    const list = await until('the welcome e-mail', async () => {
      const body = (await built.app.inject({ method: 'GET', url: '/dev/mail' })).json<Listing>()
      return body.items.length === 1 ? body : undefined
    })
    assert.equal(list.items[0]!.template, 'welcome-verify')
    const mail = (await built.app.inject({ method: 'GET', url: `/dev/mail/${list.items[0]!.id}` })).json<{ text: string }>()
    const { rows } = await built.deps.db.query<{ payload: { verificationToken: string } }>(`select payload from auth.outbox where type = 'user.registered'`)
    const token = rows[0]!.payload.verificationToken
    assert.ok(mail.text.includes(`http://localhost:8080/account/verify-email?token=${encodeURIComponent(token)}`))
  })

  test('regression: e-mail links said http://localhost:8080 whatever the port; they start with PUBLIC_URL, by default the address the shop listens on', async (t) => {
    const scope = cleanupScope(t)
    const cases: { env: Record<string, string>; base: string }[] = [
      { env: { PORT: '18080' }, base: 'http://localhost:18080' },
      { env: { PORT: '18080', HOST: '192.0.2.10' }, base: 'http://192.0.2.10:18080' },
      { env: { PUBLIC_URL: 'https://shop.example.com/' }, base: 'https://shop.example.com' },
      { env: { PUBLIC_URL: 'https://example.com/shop', NOTIFICATION_ORDER_PATH: '/my/orders/{orderId}' }, base: 'https://example.com/shop' },
    ]
    for (const c of cases) {
      const mailbox = await tempDir(scope)
      const built = await buildTestApp(scope, { adapters: 'embedded', services: 'all', env: { ...FAST, NOTIFICATION_MAILBOX_DIR: mailbox, ...c.env } })
      const email = `links-${Math.random().toString(36).slice(2)}@example.com`
      await built.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password: 'a long and unusual passphrase 7' } })
      await built.app.inject({ method: 'POST', url: '/api/auth/password-resets', payload: { email } })
      const list = await until('two e-mails', async () => {
        const body = (await built.app.inject({ method: 'GET', url: '/dev/mail' })).json<Listing>()
        return body.items.length === 2 ? body : undefined
      })
      const texts = await Promise.all(list.items.map(async (i) => (await built.app.inject({ method: 'GET', url: `/dev/mail/${i.id}` })).json<{ text: string }>().text))
      const links = texts.join('\n').match(/https?:\/\/\S+/g) ?? []
      assert.deepEqual(links.map((l) => l.replace(/token=[^&\s]+/, 'token=T')).sort(), [`${c.base}/account/reset-password?token=T`, `${c.base}/account/verify-email?token=T`], JSON.stringify(c.env))
    }
  })

  test('the mailbox answers only to this machine; bad and unknown ids are refused', async (t) => {
    const { built } = await embeddedShop(cleanupScope(t))
    const remote = await built.app.inject({ method: 'GET', url: '/dev/mail', remoteAddress: '203.0.113.9' })
    assert.equal(remote.statusCode, 403)
    assert.equal(remote.json().error.code, 'DEV_MAIL_LOCAL_ONLY')
    const bad = await built.app.inject({ method: 'GET', url: '/dev/mail/..%2F..%2Fetc%2Fpasswd' })
    assert.equal(bad.statusCode, 400)
    assert.equal(bad.json().error.code, 'VALIDATION')
    const unknown = await built.app.inject({ method: 'GET', url: '/dev/mail/1700000000000-aaaaaaaaaaaa' })
    assert.equal(unknown.statusCode, 404)
    assert.equal(unknown.json().error.code, 'MAIL_NOT_FOUND')
  })

  test('regression: the mailbox refuses a remote peer however its path is spelled (the check was on the raw URL)', async (t) => {
    const { built, mailbox } = await embeddedShop(cleanupScope(t), 'all')
    await built.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email: 'remote@example.com', password: 'a long and unusual passphrase 7' } })
    const id = await until('an e-mail in the mailbox', async () => (await readdir(mailbox)).find((f) => f.endsWith('.json'))?.slice(0, -5))
    const spellings = [
      '/dev/mail', '/%64ev/mail', '/dev/%6dail', '/dev/mail/', '//dev/mail', '/dev//mail', '/DEV/MAIL', '/dev/mail?x=1', '/dev/./mail', '/x/../dev/mail',
      `/dev/mail/${id}`, `/dev/%6dail/${id}`, `/%64ev/mail/${id}/raw`, `/dev/mail/${id}/html/`, `/dev/mail/${id.replace('-', '%2D')}`,
    ]
    for (const url of spellings) {
      for (const method of ['GET', 'HEAD'] as const) {
        const remote = await built.app.inject({ method, url, remoteAddress: '203.0.113.9' })
        assert.ok([403, 404, 400].includes(remote.statusCode), `${method} ${url} from a remote peer: ${remote.statusCode} ${remote.body}`)
        // From this machine the same spellings reach the mailbox (or no route at all), so the refusal above was the check.
        const local = await built.app.inject({ method, url })
        assert.ok([200, 404, 400].includes(local.statusCode), `${method} ${url} from loopback: ${local.statusCode}`)
      }
    }
    for (const peer of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
      assert.equal((await built.app.inject({ method: 'GET', url: `/%64ev/mail/${id}`, remoteAddress: peer })).statusCode, 200, peer)
    }
    for (const peer of ['10.0.0.1', '::ffff:10.0.0.1', '1127.0.0.1', 'fe80::1']) {
      assert.equal((await built.app.inject({ method: 'GET', url: `/%64ev/mail/${id}`, remoteAddress: peer })).statusCode, 403, peer)
    }
  })

  test('behind a proxy (TRUST_PROXY) or with SMTP_URL the mailbox does not exist, even for loopback', async (t) => {
    const scope = cleanupScope(t)
    for (const env of [{ TRUST_PROXY: 'loopback' }, { TRUST_PROXY: '127.0.0.1' }, { SMTP_URL: 'smtp://127.0.0.1:1' }] as Record<string, string>[]) {
      const built = await buildTestApp(scope, { adapters: 'embedded', services: 'notification', env: { ...FAST, BACKGROUND_WORKERS: 'false', ...env } })
      for (const url of ['/dev/mail', '/%64ev/mail', '/dev/mail/1700000000000-aaaaaaaaaaaa']) {
        const res = await built.app.inject({ method: 'GET', url, headers: { 'x-forwarded-for': '127.0.0.1' } })
        assert.equal(res.statusCode, 404, `${JSON.stringify(env)} ${url}: ${res.body}`)
        assert.equal(res.json().error.code, 'ROUTE_NOT_FOUND')
      }
    }
  })

  test('events committed while nothing delivered them are mailed after a restart, once', async (t) => {
    const scope = cleanupScope(t)
    const dataDir = await tempDir(scope)
    const mailbox = path.join(dataDir, 'mailbox')
    const env = { ...FAST, DATA_DIR: dataDir }
    // First run: orders commit, then the process stops before any event went out.
    const db1 = await createPgliteDb({ dataDir: path.join(dataDir, 'pglite') })
    const first = await buildApp({ services: 'notification', env: { ...env, BACKGROUND_WORKERS: 'false' }, db: db1, defaultMetrics: false })
    const producer = await createTestProducer(db1)
    const placed = [await producer.placeOrder(), await producer.placeOrder(), await producer.placeOrder()]
    await first.close()
    await db1.close()

    // Second run on the same data directory.
    const db2 = await createPgliteDb({ dataDir: path.join(dataDir, 'pglite') })
    scope.after(() => db2.close())
    const second = await buildApp({ services: 'notification', env, db: db2, defaultMetrics: false })
    scope.after(() => second.close())
    await second.deps.bus.startRelay(db2, 'testorders')
    const list = await until('three e-mails', async () => {
      const body = (await second.app.inject({ method: 'GET', url: '/dev/mail' })).json<Listing>()
      return body.items.length === 3 ? body : undefined
    })
    assert.deepEqual(list.items.map((i) => i.eventId).sort(), placed.map((p) => p.eventId).sort())
    assert.equal((await testProducer(db2).counts()).unpublished, 0)
    assert.equal((await readdir(mailbox)).filter((f) => f.endsWith('.eml')).length, 3, 'the .eml files on disk')
  })
})
