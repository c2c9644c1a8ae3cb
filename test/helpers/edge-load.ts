import { randomUUID } from 'node:crypto'
import type { EdgeAnswer, edgeClient } from './edge-client.js'
import { ADDRESS, GOOD_CARD } from './order-fixture.js'

type Client = ReturnType<typeof edgeClient>
export interface Buyer {
  headers: Record<string, string>
}

export interface LoadReport {
  seconds: number
  total: number
  perSecond: number
  byKind: Record<string, number>
  failed: number
  /** The first failures, as "kind status body". */
  failures: string[]
}

/**
 * Shoppers through nginx, one loop each, until stop(): catalog reads (with a token,
 * so they reach the product service instead of the micro-cache), cart reads, and
 * checkouts (add to cart, then POST /api/orders with a fresh Idempotency-Key).
 * Anything but the expected 2xx counts as failed. Bounded by the caller's stop() and maxSeconds.
 */
export function startLoad(client: Client, buyers: Buyer[], productId: number, maxSeconds = 120) {
  const started = Date.now()
  let stopped = false
  const byKind: Record<string, number> = {}
  const failures: string[] = []
  let failed = 0
  const count = async (kind: string, ok: number[], call: () => Promise<EdgeAnswer>): Promise<boolean> => {
    byKind[kind] = (byKind[kind] ?? 0) + 1
    let answer: EdgeAnswer | undefined
    let error = ''
    try {
      answer = await call()
    } catch (err) {
      error = (err as Error).message
    }
    if (answer && ok.includes(answer.status)) return true
    failed++
    if (failures.length < 20) failures.push(`${kind} ${answer ? `${answer.status} ${answer.body.slice(0, 160)}` : error}`)
    return false
  }
  const loop = async (buyer: Buyer, n: number) => {
    for (let i = n; !stopped && Date.now() - started < maxSeconds * 1000; i++) {
      const step = i % 4
      if (step === 0) await count('catalog', [200], () => client.request('GET', '/api/products?limit=5&sort=newest', { headers: buyer.headers }))
      else if (step === 1) await count('product', [200], () => client.request('GET', `/api/products/${productId}`, { headers: buyer.headers }))
      else if (step === 2) await count('cart', [200], () => client.request('GET', '/api/cart', { headers: buyer.headers }))
      else if (await count('add-to-cart', [200, 201], () => client.request('POST', '/api/cart/items', { headers: buyer.headers, body: { productId, quantity: 1 } }))) {
        await count('checkout', [201], () =>
          client.request('POST', '/api/orders', { headers: { ...buyer.headers, 'idempotency-key': randomUUID() }, body: { shippingAddress: ADDRESS, payment: { card: GOOD_CARD } } }),
        )
      }
    }
  }
  const running = Promise.all(buyers.map((b, i) => loop(b, i)))
  return {
    async stop(): Promise<LoadReport> {
      stopped = true
      await running
      const seconds = (Date.now() - started) / 1000
      const total = Object.values(byKind).reduce((a, b) => a + b, 0)
      return { seconds, total, perSecond: Math.round(total / seconds), byKind, failed, failures }
    },
  }
}
