import { randomUUID } from 'node:crypto'
import http from 'node:http'
import https from 'node:https'
import { percentile, type SecondSample } from './generator.js'

/**
 * The mixed scenario: shoppers with real accounts, each from its own loopback
 * address, each a loop of `actions` steps (bounded in count and time): browse 70 %
 * (anonymous catalog reads, as a visitor's, through the micro-cache), search 15 %,
 * cart 10 % (add a product), checkout 5 % (POST /api/orders with a fresh
 * Idempotency-Key and the test card). Every answer but the expected 2xx/304 fails.
 * Afterwards: stock must equal initial stock minus what the orders bought (0
 * oversold), and every order must have had its confirmation e-mail sent.
 */
export interface MixedSpec {
  base: string
  shoppers: number
  actions: number
  maxSeconds: number
  addresses: string[]
  runId: string
  /** How many order confirmations were sent to these addresses so far. */
  emailsSent: (recipients: string[]) => Promise<number>
  emailWaitSeconds: number
  onProgress?: (done: number) => void
}

export interface MixedResult {
  shoppers: number
  requests: number
  failed: number
  byKind: Record<string, { count: number; failed: number; p50: number; p99: number }>
  failures: string[]
  seconds: number
  rps: number
  latencyMs: { p50: number; p90: number; p99: number; max: number }
  perSecond: SecondSample[]
  orders: number
  unitsSold: number
  oversold: number
  /** Products whose final stock is not initial minus sold (a unit lost or made up). */
  stockMismatches: string[]
  emailsSent: number
  emailsExpected: number
}

const ADDRESS = { name: 'Load Tester', line1: '1 Load Street', city: 'Testville', postalCode: '12345', country: 'US' }
const CARD = { number: '4242 4242 4242 4242', expMonth: 12, expYear: 2034, cvc: '123' }
const WORDS = ['chair', 'lamp', 'boots', 'headphones', 'desk', 'jacket', 'watch', 'wireless', 'leather', 'table']

interface Answer {
  status: number
  body: string
}

function client(base: string, localAddress: string) {
  const url = new URL(base)
  const secure = url.protocol === 'https:'
  const transport = secure ? https : http
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 2 })
  const request = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
    new Promise<Answer>((resolve) => {
      const payload = body === undefined ? undefined : JSON.stringify(body)
      const req = transport.request(
        {
          host: url.hostname,
          port: url.port,
          method,
          path,
          agent,
          localAddress,
          timeout: 30_000,
          ...(secure ? { rejectUnauthorized: false, servername: 'localhost' } : {}),
          headers: { ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
          res.on('error', (err) => resolve({ status: 0, body: err.message }))
        },
      )
      req.on('timeout', () => req.destroy(new Error('timeout')))
      req.on('error', (err) => resolve({ status: 0, body: (err as NodeJS.ErrnoException).code ?? err.message }))
      req.end(payload)
    })
  return { request, close: () => agent.destroy() }
}

type Client = ReturnType<typeof client>

interface Product {
  id: number
  slug: string
  stock: number
}

export async function runMixed(spec: MixedSpec): Promise<MixedResult> {
  const setup = client(spec.base, spec.addresses[0]!)
  const catalog: Product[] = []
  for (const sort of ['newest', 'price_asc', 'price_desc']) {
    const res = await setup.request('GET', `/api/products?limit=100&sort=${sort}`)
    if (res.status !== 200) throw new Error(`mixed scenario: the catalog answered ${res.status} ${res.body.slice(0, 200)}`)
    for (const p of (JSON.parse(res.body) as { items: Product[] }).items) if (!catalog.some((c) => c.id === p.id)) catalog.push(p)
  }
  const categories = (JSON.parse((await setup.request('GET', '/api/categories')).body) as { items?: { slug: string }[] }).items?.map((c) => c.slug) ?? []
  setup.close()
  // Buy only what has plenty of stock: an OUT_OF_STOCK here would be the test's mistake, not the shop's.
  const buyable = catalog.filter((p) => p.stock >= 100).slice(0, 10)
  if (buyable.length === 0) throw new Error('mixed scenario: no product with 100 or more in stock')

  const started = performance.now()
  const deadline = started + spec.maxSeconds * 1000
  const latencies: number[] = []
  const stamps: { t: number; ms: number; ok: boolean }[] = []
  const byKind: Record<string, { lat: number[]; failed: number }> = {}
  const failures: string[] = []
  const sold = new Map<number, number>()
  const recipients: string[] = []
  let failed = 0
  let orders = 0
  let someToken: Record<string, string> | undefined
  let done = 0
  const progress = setInterval(() => spec.onProgress?.(done), 250)

  const call = async (kind: string, ok: number[], run: () => Promise<Answer>): Promise<Answer | undefined> => {
    const t0 = performance.now()
    const answer = await run()
    const ms = performance.now() - t0
    const k = (byKind[kind] ??= { lat: [], failed: 0 })
    k.lat.push(ms)
    latencies.push(ms)
    const good = ok.includes(answer.status)
    stamps.push({ t: performance.now() - started, ms, ok: good })
    if (good) return answer
    failed++
    k.failed++
    if (failures.length < 20) failures.push(`${kind} ${answer.status} ${answer.body.slice(0, 200)}`)
    return undefined
  }

  const shopper = async (n: number) => {
    const c: Client = client(spec.base, spec.addresses[n % spec.addresses.length]!)
    // Lower case: the shop stores addresses that way, and the e-mail check compares them.
    const email = `loadtest-${spec.runId}-${n}@example.com`.toLowerCase()
    try {
      const reg = await call('register', [201], () => c.request('POST', '/api/auth/register', {}, { email, password: `load test ${spec.runId} ${n} secret` }))
      if (!reg) return
      recipients.push(email)
      const auth = { authorization: `Bearer ${(JSON.parse(reg.body) as { accessToken: string }).accessToken}` }
      someToken ??= auth
      let inCart = 0
      for (let i = 0; i < spec.actions && performance.now() < deadline; i++, done++) {
        // The first shopper ends at the till, so even a short run has an order to check.
        const roll = n === 0 && i === spec.actions - 2 ? 90 : n === 0 && i === spec.actions - 1 ? 99 : Math.random() * 100
        const product = catalog[Math.floor(Math.random() * catalog.length)]!
        if (roll < 70) {
          const paths = [
            '/api/products?limit=20',
            `/api/products/${product.id}`,
            `/api/products/${product.slug}`,
            categories.length ? `/api/products?category=${categories[n % categories.length]}&limit=20` : '/api/categories',
            '/api/categories',
            '/api/deals',
          ]
          await call('browse', [200, 304], () => c.request('GET', paths[Math.floor(Math.random() * paths.length)]!))
        } else if (roll < 85) {
          await call('search', [200], () => c.request('GET', `/api/products?q=${WORDS[Math.floor(Math.random() * WORDS.length)]}&limit=20`))
        } else if (roll < 95 || inCart === 0) {
          const item = buyable[Math.floor(Math.random() * buyable.length)]!
          if (await call('cart', [200, 201], () => c.request('POST', '/api/cart/items', auth, { productId: item.id, quantity: 1 }))) inCart++
        } else {
          const key = randomUUID()
          const checkout = () => c.request('POST', '/api/orders', { ...auth, 'idempotency-key': key }, { shippingAddress: ADDRESS, payment: { card: CARD } })
          let retryAfter = 0
          let order = await call('checkout', [201], async () => {
            const a = await checkout()
            if (a.status === 503) retryAfter = 1
            return a
          })
          // A client told 503 + Retry-After sends the same checkout again (same Idempotency-Key): the
          // first answer stays a failure in the figures, the retry must finish the order, not buy twice.
          if (!order && retryAfter) {
            await new Promise((r) => setTimeout(r, 2000))
            order = await call('checkout retry (same key)', [201], checkout)
          }
          if (order) {
            orders++
            inCart = 0
            for (const line of (JSON.parse(order.body) as { lines: { productId: number; quantity: number }[] }).lines) {
              sold.set(line.productId, (sold.get(line.productId) ?? 0) + line.quantity)
            }
          }
        }
      }
    } finally {
      c.close()
    }
  }
  // Sign-ups hash a password (argon2id): they arrive in waves as real ones would, not all at once.
  const waves = 20
  await Promise.all(Array.from({ length: spec.shoppers }, (_, n) => new Promise((r) => setTimeout(r, (n % waves) * 50)).then(() => shopper(n))))
  clearInterval(progress)
  spec.onProgress?.(done)
  const seconds = (performance.now() - started) / 1000

  // Stock afterwards, read past every cache (a token bypasses the micro-cache; writes invalidate the app's).
  const check = client(spec.base, spec.addresses[1 % spec.addresses.length]!)
  let oversold = 0
  const stockMismatches: string[] = []
  for (const p of buyable) {
    const res = await check.request('GET', `/api/products/${p.id}`, someToken ?? {})
    if (res.status !== 200) throw new Error(`mixed scenario: product ${p.id} answered ${res.status} ${res.body.slice(0, 200)}`)
    const stock = (JSON.parse(res.body) as { stock: number }).stock
    const expected = p.stock - (sold.get(p.id) ?? 0)
    if (stock < 0) oversold += -stock
    if (stock !== expected) stockMismatches.push(`product ${p.id}: stock ${stock}, expected ${expected} (${p.stock} - ${sold.get(p.id) ?? 0} sold)`)
  }
  check.close()
  let emailsSent = 0
  const until = performance.now() + spec.emailWaitSeconds * 1000
  do {
    emailsSent = await spec.emailsSent(recipients)
    if (emailsSent >= orders) break
    await new Promise((r) => setTimeout(r, 1000))
  } while (performance.now() < until)

  const sorted = [...latencies].sort((a, b) => a - b)
  const seconds1 = new Map<number, { ms: number[]; failed: number }>()
  for (const s of stamps) {
    const b = seconds1.get(Math.floor(s.t / 1000)) ?? { ms: [], failed: 0 }
    b.ms.push(s.ms)
    if (!s.ok) b.failed++
    seconds1.set(Math.floor(s.t / 1000), b)
  }
  return {
    shoppers: spec.shoppers,
    requests: latencies.length,
    failed,
    byKind: Object.fromEntries(
      Object.entries(byKind).map(([k, v]) => {
        const s = v.lat.sort((a, b) => a - b)
        return [k, { count: s.length, failed: v.failed, p50: percentile(s, 50), p99: percentile(s, 99) }]
      }),
    ),
    failures,
    seconds,
    rps: latencies.length / seconds,
    latencyMs: { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN },
    perSecond: [...seconds1.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([t, b]) => {
        const s = b.ms.sort((x, y) => x - y)
        return { t: t + 1, done: s.length, failed: b.failed, p50: percentile(s, 50), p99: percentile(s, 99) }
      }),
    orders,
    unitsSold: [...sold.values()].reduce((a, b) => a + b, 0),
    oversold,
    stockMismatches,
    emailsSent,
    emailsExpected: orders,
  }
}
