import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import tls from 'node:tls'
import { after, before, describe, test } from 'node:test'
import { createPgDb } from '../../src/platform/db/pg-db.js'
import { INTERNAL_TOKEN_HEADER } from '../../src/platform/internal.js'
import * as store from '../../src/services/product/product-store.js'
import { edgeClient, h2Get, tlsHandshake } from '../helpers/edge-client.js'
import { startLoad } from '../helpers/edge-load.js'
import { until } from '../helpers/events.js'
import { photoJpeg } from '../helpers/image-fixtures.js'
import { multipart, type Variant } from '../helpers/product-images-fixture.js'
import { ADDRESS, GOOD_CARD } from '../helpers/order-fixture.js'
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js'
import { tokenMinter } from '../helpers/token-minter.js'
import { startTopology, type Topology } from '../helpers/topology.js'
import { csrfOf, jar } from '../helpers/cookie-jar.js'

/**
 * The production topology as an operator runs it (npm run prod:start): every
 * service in its own PM2 cluster processes, nginx with TLS and HTTP/2 in front,
 * on the shared PostgreSQL, Redis and RabbitMQ. Started once for this file.
 * The per-client rate limits are raised: every request here comes from 127.0.0.1.
 */
describe('production topology: PM2 clusters behind nginx', () => {
  const fns: (() => Promise<void>)[] = []
  const scope = { after: (fn: () => Promise<void>) => void fns.push(fn) }
  let topo: Topology
  let smtp: TestSmtpServer
  let client: ReturnType<typeof edgeClient>
  let minter: Awaited<ReturnType<typeof tokenMinter>>
  let productId: number
  let productSlug: string

  before(async () => {
    smtp = await startSmtpServer(scope)
    minter = await tokenMinter()
    topo = await startTopology(scope, {
      instances: { product: 2, cart: 1, order: 2, auth: 1, notification: 1 },
      env: {
        JWT_SECRET: minter.secret,
        SMTP_URL: smtp.url,
        SEED_DEMO_PRODUCTS: '30',
        ...Object.fromEntries(['PRODUCT', 'CART', 'ORDER', 'AUTH'].map((s) => [`${s}_RATE_LIMIT_MAX`, '1000000'])),
        // Small pools: the test PostgreSQL is shared with every other test file.
        ...Object.fromEntries(['PRODUCT', 'CART', 'ORDER', 'AUTH', 'NOTIFICATION'].flatMap((s) => [[`${s}_DB_POOL_MAX`, '5'], [`${s}_DB_POOL_MIN`, '0']])),
      },
    })
    client = edgeClient(topo.base, topo.ca)
    const db = createPgDb({ url: topo.databaseUrl, max: 1, min: 0, applicationName: 'test' })
    productSlug = `edge-${randomUUID().slice(0, 8)}`
    productId = await store.insertProduct(db, { slug: productSlug, name: 'Edge Lamp', description: '', priceAmount: 1999, currency: 'USD', categoryId: null, attributes: {}, stock: 1_000_000, images: [] })
    await db.close()
  })

  after(async () => {
    client?.close()
    for (const fn of fns.reverse()) await fn()
  })

  test('every health URL answers 200 over HTTPS with HTTP/2; /health covers the five services and the storefront', async () => {
    for (const path of ['/health', '/api/products/health', '/api/cart/health', '/api/orders/health', '/api/auth/health']) {
      const res = await h2Get(topo.base, topo.ca, path)
      assert.equal(res.alpn, 'h2', path)
      assert.equal(res.status, 200, path)
    }
    const all = (await client.request('GET', '/health')).json()
    assert.deepEqual(Object.keys(all.services).sort(), ['auth', 'cart', 'notification', 'order', 'product', 'storefront'])
  })

  test('TLS 1.1 is refused by the server; TLS 1.2 and 1.3 are accepted', async () => {
    assert.equal(await tlsHandshake(topo.nginxPort, 'TLSv1.1'), 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION')
    assert.equal(await tlsHandshake(topo.nginxPort, 'TLSv1.2'), 'TLSv1.2')
    assert.equal(await tlsHandshake(topo.nginxPort, 'TLSv1.3'), 'TLSv1.3')
  })

  test('answers are gzipped (level 6 JSON) and carry HSTS and the other security headers', async () => {
    const res = await client.request('GET', '/api/products?limit=50', { headers: { 'accept-encoding': 'gzip' } })
    assert.equal(res.status, 200)
    assert.equal(res.headers['content-encoding'], 'gzip')
    assert.match(String(res.headers['strict-transport-security']), /max-age=63072000/)
    assert.equal(res.headers['x-content-type-options'], 'nosniff')
    assert.equal(res.headers['x-frame-options'], 'DENY')
    const refused = await client.request('GET', '/nowhere')
    assert.equal(refused.status, 404)
    assert.match(String(refused.headers['strict-transport-security']), /max-age=63072000/, 'also on nginx’s own answers')
  })

  test('/internal, /metrics and /dev/mail are never served to the outside, even with the internal token', async () => {
    const token = topo.env.INTERNAL_API_TOKEN!
    for (const path of [`/internal/carts/${randomUUID()}`, '/internal/reservations', '/metrics', '/dev/mail', '/docs']) {
      const res = await client.request('GET', path, { headers: { [INTERNAL_TOKEN_HEADER]: token } })
      assert.equal(res.status, 404, path)
      assert.equal(res.json().error.code, 'ROUTE_NOT_FOUND', path)
      assert.doesNotMatch(res.body, /internal/, path)
    }
  })

  test('the catalog micro-cache: a hit is visible, honours s-maxage, and never crosses users, origins or encodings', async () => {
    const path = `/api/products?limit=${30 + Math.floor(Math.random() * 60)}`
    const allowed = { origin: 'http://localhost:8080' }
    const first = await client.request('GET', path, { headers: allowed })
    assert.equal(first.headers['x-cache-status'], 'MISS')
    // A cacheable answer carries no per-client header, so a shared cache cannot store one client's counters.
    assert.equal(first.headers['x-ratelimit-limit'], undefined)
    const hit = await client.request('GET', path, { headers: allowed })
    assert.equal(hit.headers['x-cache-status'], 'HIT')
    assert.equal(hit.body, first.body)
    assert.equal(hit.headers['x-ratelimit-remaining'], undefined, 'another client’s counters are not served from the cache')
    assert.notEqual(hit.headers['x-request-id'], first.headers['x-request-id'])
    assert.equal(hit.headers['access-control-allow-origin'], 'http://localhost:8080')
    const user = await minter.customer()
    assert.equal((await client.request('GET', path, { headers: { ...allowed, ...user.headers } })).headers['x-cache-status'], 'BYPASS')
    const other = await client.request('GET', path, { headers: { origin: 'https://evil.example' } })
    assert.equal(other.headers['x-cache-status'], 'MISS', 'another origin has its own entry')
    assert.equal(other.headers['access-control-allow-origin'], undefined)
    const gz = await client.request('GET', path, { headers: { ...allowed, 'accept-encoding': 'gzip' } })
    assert.equal(gz.headers['x-cache-status'], 'HIT')
    assert.equal(gz.headers['content-encoding'], 'gzip')
    assert.equal(hit.headers['content-encoding'], undefined, 'the same entry, plain for a client without gzip')
    // s-maxage=2 (PRODUCT_EDGE_MAX_AGE_SECONDS): nginx keeps it no longer, there is no proxy_cache_valid.
    await new Promise((r) => setTimeout(r, 3000))
    assert.notEqual((await client.request('GET', path, { headers: allowed })).headers['x-cache-status'], 'HIT')
  })

  test('product images: an admin uploads one through nginx; nginx serves its variants from IMAGES_DIR on disk, cached for good; a made-up variant is the JSON 404', async () => {
    const admin = (await minter.admin()).headers
    const form = multipart([{ name: 'file', filename: 'lamp.jpg', bytes: await photoJpeg(300, 200), type: 'image/jpeg' }])
    const uploaded = await client.request('POST', `/api/products/${productId}/images`, { headers: { ...admin, ...form.headers }, payload: form.payload })
    assert.equal(uploaded.status, 202, uploaded.body)
    const imageId: string = uploaded.json().id
    // The product shows it once product.image_ready came back over RabbitMQ (the admin's reads bypass the micro-cache).
    type Shown = { id: string; variants: Record<'avif' | 'webp' | 'jpeg', Variant[]> }
    const image = await until('the product shows the image', async () => {
      const res = await client.request('GET', `/api/products/${productId}`, { headers: admin })
      return (res.json().images as Shown[]).find((i) => i.id === imageId)
    }, 120_000, 200)
    assert.deepEqual(image.variants.jpeg.map((v) => v.width), [200, 300])
    const prodDir = topo.env.PROD_DIR!
    for (const [format, type] of [['jpeg', 'image/jpeg'], ['webp', 'image/webp'], ['avif', 'image/avif']] as const) {
      const variant = image.variants[format][0]!
      const res = await client.request('GET', variant.url)
      assert.equal(res.status, 200, `${variant.url}: ${res.body.slice(0, 200)}`)
      assert.equal(res.headers['content-type'], type)
      assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable')
      assert.match(String(res.headers['strict-transport-security']), /max-age=63072000/, 'the security headers too')
      // The file the product service wrote under <PROD_DIR>/images, world-readable (nginx's workers are www-data).
      const file = join(prodDir, variant.url)
      assert.deepEqual(res.bytes, readFileSync(file))
      assert.equal(statSync(file).mode & 0o777, 0o644)
      // Served by nginx itself: its access log names no upstream for this request.
      const rid = String(res.headers['x-request-id'])
      const logged = await until(`${rid} in the access log`, () => readFileSync(join(prodDir, 'log', 'nginx-access.log'), 'utf8').split('\n').find((l) => l.includes(`rid=${rid} `)))
      assert.match(logged, / 200 .* up=- /, logged)
    }
    const hash = image.variants.jpeg[0]!.url.split('/')[3]!
    for (const madeUp of [`/images/${hash.slice(0, 2)}/${hash}/201.webp`, `/images/ab/ab${'0'.repeat(30)}/200.jpg`, `/images/${hash.slice(0, 2)}/${hash}/manifest.json`, '/images/.incoming/x']) {
      const res = await client.request('GET', madeUp)
      assert.equal(res.status, 404, madeUp)
      assert.match(String(res.headers['content-type']), /^application\/json/, madeUp)
      assert.deepEqual(res.json(), { error: { code: 'ROUTE_NOT_FOUND', message: 'Not found' } }, madeUp)
      assert.equal(res.headers['cache-control'], undefined, `${madeUp}: a 404 is not cached for good`)
    }
  })

  test('a 21st slow connection from one address is refused (limit_conn 20), and served again once they end', async () => {
    // A route that answers 200 whatever the servers' health (the auth service's public keys): only nginx refuses here.
    const KEYS = '/api/auth/.well-known/jwks.json'
    const slow: tls.TLSSocket[] = []
    const open = () =>
      new Promise<void>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port: topo.nginxPort, servername: 'localhost', ca: topo.ca, ALPNProtocols: ['http/1.1'] }, () => {
          // Headers sent, body never finished: the request holds its connection slot.
          s.write('POST /api/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{')
          resolve()
        })
        s.on('error', () => {})
        s.once('error', reject)
        slow.push(s)
      })
    // A byte every 2 s keeps each body under nginx's client_body_timeout (10 s): on a busy machine opening them can take longer.
    const trickle = setInterval(() => slow.forEach((s) => s.writable && s.write(' ')), 2000)
    try {
      for (let i = 0; i < 19; i++) await open()
      await new Promise((r) => setTimeout(r, 300))
      assert.equal((await client.request('GET', KEYS)).status, 200, 'the 20th is served')
      // More slow ones than the limit: on a busy machine nginx may read their headers in any order, and
      // one read while the 20th was in flight is refused and closed. Once 20 are held, no 21st gets through.
      for (let i = 0; i < 6; i++) await open()
      const refused = await until('the 21st refused', async () => {
        const res = await client.request('GET', KEYS)
        return res.status === 429 ? res : undefined
      }, 15_000)
      assert.equal(refused.json().error.code, 'TOO_MANY_CONNECTIONS')
    } finally {
      clearInterval(trickle)
      for (const s of slow) s.destroy()
    }
    await until('served again', async () => ((await client.request('GET', KEYS)).status === 200 ? true : undefined), 15_000)
  })

  test('a shopper’s whole path through nginx: register, browse, add to cart, pay with 4242…, the order e-mail arrives by SMTP', async () => {
    const email = `shopper-${randomUUID().slice(0, 8)}@example.com`
    const registered = await client.request('POST', '/api/auth/register', { body: { email, password: 'correct horse battery staple' } })
    assert.equal(registered.status, 201, registered.body)
    const auth = { authorization: `Bearer ${registered.json().accessToken}` }
    const list = await client.request('GET', '/api/products?limit=10')
    assert.equal(list.status, 200)
    assert.ok(list.json().items.length > 0, 'the demo catalog is there')
    assert.equal((await client.request('GET', `/api/products/${productId}`)).json().name, 'Edge Lamp')
    const added = await client.request('POST', '/api/cart/items', { headers: auth, body: { productId, quantity: 2 } })
    assert.ok(added.status === 200 || added.status === 201, added.body)
    const order = await client.request('POST', '/api/orders', {
      headers: { ...auth, 'idempotency-key': randomUUID() },
      body: { shippingAddress: ADDRESS, payment: { card: GOOD_CARD } },
    })
    assert.equal(order.status, 201, order.body)
    assert.equal(order.json().status, 'paid')
    const orderId: string = order.json().id
    const mail = await until('the order e-mail', () => smtp.received.find((m) => m.to.includes(email) && m.raw.includes(orderId.slice(0, 8).toUpperCase())), 60_000)
    assert.match(mail.headers.subject!, /order/i)
    assert.equal((await client.request('GET', '/api/cart', { headers: auth })).json().items.length, 0)
  })

  test('the storefront is its own PM2 app behind nginx: pages with their CSP, assets from disk, a sign-up by form, and the e-mail’s link opens its page', async () => {
    const home = await h2Get(topo.base, topo.ca, '/')
    assert.equal(home.alpn, 'h2')
    assert.equal(home.status, 200)
    const page = await client.request('GET', `/products/${productSlug}`)
    assert.equal(page.status, 200)
    assert.match(String(page.headers['content-type']), /^text\/html/)
    assert.match(page.body, /Edge Lamp/)
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/)
    assert.match(String(page.headers['strict-transport-security']), /max-age=63072000/)
    assert.equal((await client.request('GET', '/api/no-such-route')).json().error.code, 'ROUTE_NOT_FOUND', 'the API keeps its JSON 404')

    // The stylesheet the page links to is a file nginx serves itself (no upstream in its access-log line).
    const css = /href="(\/assets\/app\.[0-9a-f]{10}\.css)"/.exec(page.body)![1]!
    const sheet = await client.request('GET', css)
    assert.equal(sheet.status, 200)
    assert.match(String(sheet.headers['content-type']), /^text\/css/)
    assert.equal(sheet.headers['cache-control'], 'public, max-age=31536000, immutable')
    const rid = String(sheet.headers['x-request-id'])
    const line = await until(`${rid} in the access log`, () => readFileSync(join(topo.env.PROD_DIR!, 'log', 'nginx-access.log'), 'utf8').split('\n').find((l) => l.includes(`rid=${rid} `)))
    assert.match(line, / up=- /, line)
    assert.equal((await client.request('GET', '/assets/app.0000000000.css')).status, 404)

    // A shopper signs up with the form (CSRF token and cookie through nginx, Secure cookies over HTTPS).
    const browser = jar()
    const email = `storefront-${randomUUID().slice(0, 8)}@example.com`
    const form = browser.take(await client.request('GET', '/account/sign-up', { headers: { cookie: browser.header() } }))
    const signedUp = browser.take(await client.request('POST', '/account/sign-up', formPost(browser.header(), { _csrf: csrfOf(form.body), email, password: 'correct horse battery staple', next: '/account' })))
    assert.equal(signedUp.status, 303, signedUp.body)
    assert.equal(signedUp.headers.location, '/account')
    assert.ok((signedUp.headers['set-cookie'] as string[]).every((c) => /; Secure/i.test(c)), 'cookies are Secure behind TLS')
    const account = await client.request('GET', '/account', { headers: { cookie: browser.header() } })
    assert.equal(account.status, 200)
    assert.ok(account.body.includes(email))

    // The welcome e-mail links to nginx's public address; the link opens the storefront's page, whose form confirms.
    const mail = await until('the welcome e-mail', () => smtp.received.find((m) => m.to.includes(email) && m.raw.includes('verify-email')), 60_000)
    const text = mail.raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    const link = new URL(/https:\/\/localhost:\d+\/account\/verify-email\?token=[^\s"<>]+/.exec(text)![0])
    assert.equal(link.origin, topo.base)
    const verify = browser.take(await client.request('GET', link.pathname + link.search, { headers: { cookie: browser.header() } }))
    assert.equal(verify.status, 200)
    const confirmed = await client.request('POST', '/account/verify-email', formPost(browser.header(), { _csrf: csrfOf(verify.body), token: link.searchParams.get('token')! }))
    assert.equal(confirmed.status, 200, confirmed.body)
    assert.match(confirmed.body, /your e-mail address is confirmed/)
    const me = await client.request('GET', '/account', { headers: { cookie: browser.header() } })
    assert.match(me.body, /class="badge ok">confirmed/)
  })

  test('pm2 reload all under load (reads and checkouts): zero failed requests', async () => {
    const before = (JSON.parse(await topo.pm2('jlist')) as { pid: number }[]).map((p) => p.pid)
    const buyers = await Promise.all(Array.from({ length: 12 }, () => minter.customer()))
    const load = startLoad(client, buyers, productId)
    await new Promise((r) => setTimeout(r, 3000))
    const reloadStarted = Date.now()
    await topo.pm2('reload', 'all')
    const reloadSeconds = (Date.now() - reloadStarted) / 1000
    // At least 30 s of load in all, and a little after the last instance was swapped.
    await new Promise((r) => setTimeout(r, Math.max(3000, 30_000 - (Date.now() - reloadStarted) - 3000)))
    const report = await load.stop()
    console.log(`pm2 reload all under load: reload ${reloadSeconds.toFixed(1)} s; ${report.total} requests in ${report.seconds.toFixed(1)} s (${report.perSecond}/s) ${JSON.stringify(report.byKind)}; failed ${report.failed}`)
    assert.deepEqual(report.failures, [])
    assert.equal(report.failed, 0)
    const afterPids = (JSON.parse(await topo.pm2('jlist')) as { pid: number }[]).map((p) => p.pid)
    assert.equal(afterPids.filter((p) => before.includes(p)).length, 0, 'every instance was replaced')
    assert.ok(report.byKind.checkout! > 0)
  })

  test('a worker SIGKILLed under load: PM2 starts another, only requests in flight on it may fail', async () => {
    const list = () => topo.pm2('jlist').then((out) => JSON.parse(out) as { name: string; pid: number; pm2_env: { status: string } }[])
    const victim = (await list()).find((p) => p.name === 'product-service')!
    const buyers = await Promise.all(Array.from({ length: 12 }, () => minter.customer()))
    const load = startLoad(client, buyers, productId)
    await new Promise((r) => setTimeout(r, 3000))
    process.kill(victim.pid, 'SIGKILL')
    await until('PM2 replaced the killed instance', async () => {
      const product = (await list()).filter((p) => p.name === 'product-service')
      return product.length === 2 && product.every((p) => p.pm2_env.status === 'online' && p.pid !== victim.pid) ? true : undefined
    }, 60_000, 200)
    await new Promise((r) => setTimeout(r, 5000))
    const report = await load.stop()
    console.log(`SIGKILL of product-service pid ${victim.pid} under load: ${report.total} requests in ${report.seconds.toFixed(1)} s (${report.perSecond}/s); failed ${report.failed} ${JSON.stringify(report.failures)}`)
    assert.ok(report.failed <= buyers.length, `${report.failed} failed: more than the ${buyers.length} requests that can be in flight`)
    assert.equal((await client.request('GET', '/health')).status, 200)
  })

  // Last: it stops a service.
  test('no upstream answering: nginx answers 503 in the API’s error shape with Retry-After, and /health says which service is down', async () => {
    await topo.pm2('stop', 'notification-service')
    const res = await client.request('GET', '/api/notifications/health')
    assert.equal(res.status, 503)
    assert.deepEqual(res.json(), { error: { code: 'SERVICE_UNAVAILABLE', message: 'The service is not available; try again shortly' } })
    assert.equal(res.headers['retry-after'], '2')
    assert.match(String(res.headers['strict-transport-security']), /max-age/)
    const health = await client.request('GET', '/health')
    assert.equal(health.status, 503)
    assert.equal(health.json().services.notification, 'unreachable')
    assert.equal(health.json().services.product, 'ok')
    assert.doesNotMatch(health.body, /ECONNREFUSED|127\.0\.0\.1/, 'statuses only')
  })
})

/** A form as a browser posts it. */
function formPost(cookie: string, fields: Record<string, string>) {
  return { headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: Buffer.from(new URLSearchParams(fields).toString()) }
}
