import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { RouteOptions } from 'fastify'
import { buildTestApp } from '../helpers/build-app.js'
import { admin, ORDER_TEST_ENV } from '../helpers/order-fixture.js'
import { seedProductFixture } from '../helpers/product-fixture.js'

/** The dashboard's operations figures through the pages: each from its admin route; one route failing leaves the rest. */

test('the dashboard shows low stock (linked), the shop’s cache hit rate, and the event backlog; a failing figure shows as unavailable', async (t) => {
  let backlogFails = false
  const built = await buildTestApp(t, {
    env: { ...ORDER_TEST_ENV, BACKGROUND_WORKERS: 'false' },
    // The backlog route fails on demand (as when its database is away): the page must still render.
    onRoute: (route: RouteOptions) => {
      if (route.url !== '/api/orders/events/backlog') return
      const handler = route.handler
      route.handler = function (this: unknown, req, reply) {
        if (backlogFails) throw new Error('the outbox cannot be read')
        return (handler as (...a: unknown[]) => unknown).call(this, req, reply)
      } as RouteOptions['handler']
    },
  })
  const { ids } = await seedProductFixture(built.deps.db)
  const boss = await admin(built)
  const login = await built.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: boss.email, password: 'correct horse battery staple' } })
  const cookie = `emp_rt=${login.json<{ refreshToken: string }>().refreshToken}`
  await built.app.inject({ method: 'GET', url: `/api/products/${ids.lamp}` })

  const page = await built.app.inject({ method: 'GET', url: '/admin', headers: { cookie } })
  assert.equal(page.statusCode, 200)
  // The fixture's shovel has no stock; the other products have 10.
  assert.match(page.body, new RegExp(`<h2 id="low-stock-title">Low stock \\(5 units or fewer\\)</h2>[\\s\\S]*<a href="/admin/products/${ids.shovel}">Steel Shovel</a></td><td class="num out">Out of stock</td>`))
  assert.doesNotMatch(page.body, new RegExp(`href="/admin/products/${ids.lamp}"`))
  assert.match(page.body, /<p class="big-figure"><strong>\d+\.\d %<\/strong> hit rate<\/p>/)
  assert.match(page.body, /lookups \(\d+ answered from the cache\) in all product service instances since [^<]+; each instance adds its own within 10 seconds\./)
  assert.match(page.body, /<h2 id="backlog-title">Order events not yet delivered<\/h2>\s*<svg [^>]*role="img" aria-labelledby="backlog-title"/)
  assert.equal((page.body.match(/<rect class="bar"/g) ?? []).length, 14 + 5, 'the orders chart and the backlog chart')

  // The shared figures unreadable (Redis away): the answering instance's, said to be so.
  const readCounters = built.deps.cache.readCounters
  built.deps.cache.readCounters = async () => {
    throw new Error('the shared cache is away')
  }
  const local = await built.app.inject({ method: 'GET', url: '/admin', headers: { cookie } })
  built.deps.cache.readCounters = readCounters
  assert.match(local.body, new RegExp(`in the product service instance that answered \\([^)]+:${process.pid}\\) since it started[^<]*the shop-wide figures could not be read, so this is one instance’s figure, not the whole shop’s`))

  backlogFails = true
  const degraded = await built.app.inject({ method: 'GET', url: '/admin', headers: { cookie } })
  assert.equal(degraded.statusCode, 200)
  assert.match(degraded.body, /<h2 id="backlog-title">Order events not yet delivered<\/h2><p class="empty">Not available right now: Something went wrong on our side/)
  assert.match(degraded.body, /hit rate<\/p>/, 'the other figures still show')
  assert.match(degraded.body, /Steel Shovel/)
})
