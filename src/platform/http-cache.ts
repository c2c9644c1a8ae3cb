import { gzipSync } from 'node:zlib'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { LRUCache } from 'lru-cache'
import type { CachedBody } from './cache/read-through.js'

// The bytes of recent answers, as sent (UTF-8, and gzipped for clients that take
// it), by ETag: a hash of the body, so an entry can never be stale. A hit is sent
// without encoding the same string again (~10 % of a cached read's CPU) and
// without compressing it again (a browser's cached read cost 10 times an
// uncompressed one when every hit was gzipped anew).
const encoded = new LRUCache<string, Buffer>({ maxSize: 8 * 1024 * 1024, sizeCalculation: (b) => b.length + 64 })
// The compress plugin's threshold and level (server.ts): below it answers go as they are.
const GZIP_MIN_BYTES = 1024
const GZIP_LEVEL = 6

function memo(key: string, make: () => Buffer): Buffer {
  let bytes = encoded.get(key)
  if (!bytes) {
    bytes = make()
    if (bytes.length <= 1024 * 1024) encoded.set(key, bytes)
  }
  return bytes
}

/** Whether the client takes gzip (RFC 9110 §12.5.3: a q of 0 refuses; * takes anything). */
function acceptsGzip(req: FastifyRequest): boolean {
  const header = req.headers['accept-encoding']
  if (!header || req.headers['x-no-compression'] !== undefined) return false
  return header.split(',').some((token) => {
    const [name = '', ...params] = token.split(';').map((t) => t.trim().toLowerCase())
    if (name !== 'gzip' && name !== '*') return false
    const q = params.find((p) => p.startsWith('q='))
    return q === undefined || Number(q.slice(2)) > 0
  })
}

/**
 * Sends a serialized JSON answer with its ETag and Cache-Control, or 304 when
 * the client already holds it. max-age=0 keeps browsers revalidating (cheap 304s)
 * so nobody sees an old price after a change; s-maxage lets nginx or a CDN absorb
 * bursts for a few seconds.
 */
export function sendCached(req: FastifyRequest, reply: FastifyReply, entry: CachedBody, sharedMaxAge: number) {
  reply.header('etag', entry.etag)
  reply.header('cache-control', `public, max-age=0, must-revalidate, s-maxage=${sharedMaxAge}`)
  // Added to what CORS put there (Origin): replacing it let a shared cache serve one origin's answer to another.
  appendVary(reply, 'accept-encoding')
  if (matches(req.headers['if-none-match'], entry.etag)) return reply.code(304).send()
  reply.type('application/json; charset=utf-8')
  const bytes = memo(entry.etag, () => Buffer.from(entry.body, 'utf8'))
  if (bytes.length < GZIP_MIN_BYTES || !acceptsGzip(req)) return reply.send(bytes)
  // Already encoded: the compress plugin passes it through.
  return reply.header('content-encoding', 'gzip').send(memo(`${entry.etag}:gzip`, () => gzipSync(bytes, { level: GZIP_LEVEL })))
}

/** Adds fields to the answer's Vary header, keeping those already there. */
export function appendVary(reply: FastifyReply, ...fields: string[]) {
  const current = String(reply.getHeader('vary') ?? '')
  const have = current.split(',').map((f) => f.trim()).filter(Boolean)
  const lower = new Set(have.map((f) => f.toLowerCase()))
  const added = fields.filter((f) => !lower.has(f.toLowerCase()))
  if (added.length) reply.header('vary', [...have, ...added].join(', '))
}

/** Headers that describe one client or one request: never in an answer a shared cache may store and replay to others. */
const PER_REQUEST_HEADERS = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-request-id'] as const

/**
 * onSend, for every answer: one that a shared cache may store (Cache-Control:
 * public) goes without the rate-limit counters and the request id, which would
 * otherwise reach other clients from nginx's micro-cache or a CDN. No portable
 * Cache-Control makes every cache drop just those fields (nginx reads a
 * qualified no-cache="..." as no-cache for the whole answer), so they are not
 * sent. The 429 itself (not public) keeps them, with Retry-After; the id stays in the log.
 */
export function withoutPerRequestHeadersWhenShared(reply: FastifyReply) {
  const cacheControl = String(reply.getHeader('cache-control') ?? '')
  if (!/(^|,)\s*public\s*(,|$)/i.test(cacheControl)) return
  for (const h of PER_REQUEST_HEADERS) reply.removeHeader(h)
}

function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false
  if (header.trim() === '*') return true
  // Weak comparison (RFC 9110 §8.8.3.2): W/ prefixes do not matter for If-None-Match.
  const bare = etag.replace(/^W\//, '')
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === bare)
}
