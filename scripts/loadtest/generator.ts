import http from 'node:http'
import https from 'node:https'

/**
 * The load generator for the HTTP/1.1 scenarios: `ab`'s model (a fixed number of
 * requests, a fixed number of clients, with or without keep-alive) on node:http(s),
 * because ab cannot bind a source address. Each client has its own loopback
 * address (127.0.0.2-254, all this machine), at most `perAddress` per address, so
 * nginx's limit of 20 connections per address stays on and is never hit.
 * Bounded twice: `requests` in count and `maxSeconds` in time.
 */
export interface LoadSpec {
  name: string
  base: string
  /** The path of request number i (a fixed one for cached scenarios, a new one for uncached). */
  path: (i: number) => string
  requests: number
  concurrency: number
  keepAlive: boolean
  maxSeconds: number
  addresses: string[]
  perAddress: number
  headers?: Record<string, string>
  onProgress?: (done: number) => void
}

export interface SecondSample {
  /** Seconds since the start of the scenario. */
  t: number
  done: number
  failed: number
  p50: number
  p99: number
}

export interface LoadResult {
  name: string
  requests: number
  concurrency: number
  keepAlive: boolean
  addressesUsed: number
  complete: number
  failed: number
  /** Not started because maxSeconds ran out first (counted as failed, too: the run was cut short). */
  notSent: number
  statuses: Record<string, number>
  /** The first failures, as "status path body" or the socket error. */
  failures: string[]
  seconds: number
  rps: number
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number }
  perSecond: SecondSample[]
  bytes: number
}

const OK = new Set([200, 304])

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

/** 127.0.0.2 ... 127.0.0.254, the source addresses the scenarios share out. */
export function loopbackAddresses(count = 253): string[] {
  return Array.from({ length: Math.min(253, count) }, (_, i) => `127.0.0.${i + 2}`)
}

/** How many addresses `concurrency` clients need at `perAddress` each; throws when 253 are not enough. */
export function addressesFor(concurrency: number, perAddress: number, addresses: string[]): string[] {
  const needed = Math.ceil(concurrency / perAddress)
  if (needed > addresses.length) throw new Error(`${concurrency} clients need ${needed} source addresses at ${perAddress} each; only ${addresses.length} are available`)
  // Spread over every address anyway: fewer clients per address is further from the limit.
  return addresses.slice(0, Math.max(needed, Math.min(addresses.length, concurrency)))
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const url = new URL(spec.base)
  const secure = url.protocol === 'https:'
  const transport = secure ? https : http
  const addresses = addressesFor(spec.concurrency, spec.perAddress, spec.addresses)
  const latencies = new Float64Array(spec.requests)
  const finishedAt = new Float64Array(spec.requests)
  const okFlags = new Uint8Array(spec.requests)
  const statuses: Record<string, number> = {}
  const failures: string[] = []
  let next = 0
  let complete = 0
  let failed = 0
  let bytes = 0
  const started = performance.now()
  const deadline = started + spec.maxSeconds * 1000
  const progress = setInterval(() => spec.onProgress?.(complete), 250)

  const client = async (c: number) => {
    const localAddress = addresses[c % addresses.length]!
    const agent = spec.keepAlive ? new transport.Agent({ keepAlive: true, maxSockets: 1 }) : false
    try {
      while (next < spec.requests && performance.now() < deadline) {
        const i = next++
        const path = spec.path(i)
        const t0 = performance.now()
        const answer = await send(transport, { url, path, agent, localAddress, secure, keepAlive: spec.keepAlive, headers: spec.headers })
        const t1 = performance.now()
        latencies[i] = t1 - t0
        finishedAt[i] = t1 - started
        complete++
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1
        bytes += answer.bytes
        if (OK.has(Number(answer.status))) okFlags[i] = 1
        else {
          failed++
          if (failures.length < 20) failures.push(`${answer.status} ${path} ${answer.body}`)
        }
      }
    } finally {
      if (agent) agent.destroy()
    }
  }
  await Promise.all(Array.from({ length: spec.concurrency }, (_, c) => client(c)))
  clearInterval(progress)
  spec.onProgress?.(complete)
  const seconds = (performance.now() - started) / 1000
  const done = Array.from(latencies.subarray(0, next))
  const sorted = [...done].sort((a, b) => a - b)
  const notSent = spec.requests - next
  return {
    name: spec.name,
    requests: spec.requests,
    concurrency: spec.concurrency,
    keepAlive: spec.keepAlive,
    addressesUsed: addresses.length,
    complete,
    failed: failed + notSent,
    notSent,
    statuses,
    failures,
    seconds,
    rps: complete / seconds,
    latencyMs: {
      mean: done.reduce((a, b) => a + b, 0) / Math.max(1, done.length),
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: sorted.at(-1) ?? NaN,
    },
    perSecond: perSecond(latencies.subarray(0, next), finishedAt.subarray(0, next), okFlags.subarray(0, next)),
    bytes,
  }
}

function perSecond(latencies: Float64Array, finishedAt: Float64Array, ok: Uint8Array): SecondSample[] {
  const buckets = new Map<number, { lat: number[]; failed: number }>()
  for (let i = 0; i < latencies.length; i++) {
    const t = Math.floor(finishedAt[i]! / 1000)
    const b = buckets.get(t) ?? { lat: [], failed: 0 }
    b.lat.push(latencies[i]!)
    if (!ok[i]) b.failed++
    buckets.set(t, b)
  }
  return [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([t, b]) => {
      const s = b.lat.sort((x, y) => x - y)
      return { t: t + 1, done: s.length, failed: b.failed, p50: percentile(s, 50), p99: percentile(s, 99) }
    })
}

interface Answer {
  status: string
  bytes: number
  body: string
}

function send(
  transport: typeof http | typeof https,
  o: { url: URL; path: string; agent: http.Agent | false; localAddress: string; secure: boolean; keepAlive: boolean; headers?: Record<string, string> },
): Promise<Answer> {
  return new Promise((resolve) => {
    const req = transport.request(
      {
        host: o.url.hostname,
        port: o.url.port,
        path: o.path,
        agent: o.agent,
        localAddress: o.localAddress,
        timeout: 30_000,
        // Our own self-signed certificate: the scenarios measure, they do not authenticate the server.
        ...(o.secure ? { rejectUnauthorized: false, servername: 'localhost' } : {}),
        headers: { ...o.headers, ...(o.keepAlive ? {} : { connection: 'close' }) },
      },
      (res) => {
        let bytes = 0
        let body = ''
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length
          if (res.statusCode !== 200 && body.length < 200) body += chunk.toString('utf8', 0, 200)
        })
        res.on('end', () => resolve({ status: String(res.statusCode), bytes, body: body.slice(0, 200) }))
        res.on('error', (err) => resolve({ status: `error:${(err as NodeJS.ErrnoException).code ?? err.message}`, bytes, body: '' }))
      },
    )
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', (err) => resolve({ status: `error:${(err as NodeJS.ErrnoException).code ?? err.message}`, bytes: 0, body: '' }))
    req.end()
  })
}
